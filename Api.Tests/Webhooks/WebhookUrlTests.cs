using System.Net;
using System.Net.Http.Json;
using Strongroom.Api.Tests.Support;
using Strongroom.Features.Webhooks;

namespace Strongroom.Api.Tests.Webhooks;

/// <summary>
/// Where webhooks may not go, with the default options (outside Development, private networks not
/// allowed): refused at registration, and the same rule is what the sender's connect callback applies.
/// </summary>
public sealed class WebhookUrlTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    [Theory]
    [InlineData("http://example.com/hooks")]          // not https outside Development
    [InlineData("https://127.0.0.1/hooks")]           // loopback
    [InlineData("https://localhost/hooks")]           // a name that resolves to loopback
    [InlineData("https://10.1.2.3/hooks")]            // RFC 1918
    [InlineData("https://172.20.0.1/hooks")]
    [InlineData("https://192.168.1.1/hooks")]
    [InlineData("https://100.64.0.1/hooks")]          // CGNAT
    [InlineData("https://169.254.169.254/latest/meta-data")] // cloud metadata
    [InlineData("https://metadata.google.internal/computeMetadata/v1")]
    [InlineData("https://[fd00:ec2::254]/latest")]
    [InlineData("https://[::1]/hooks")]
    [InlineData("https://[fe80::1]/hooks")]
    [InlineData("https://[fc00::1]/hooks")]
    [InlineData("https://[::ffff:127.0.0.1]/hooks")]  // IPv4-mapped loopback
    [InlineData("https://[::ffff:10.0.0.1]/hooks")]
    [InlineData("https://0.0.0.0/hooks")]
    [InlineData("https://224.0.0.1/hooks")]           // multicast
    [InlineData("/relative/hooks")]
    [InlineData("ftp://example.com/hooks")]
    [InlineData("https://user:pass@example.com/hooks")]
    public async Task A_url_that_could_reach_inside_the_network_is_refused(string url)
    {
        var customer = await app.RegisterAndSignInAsync();
        var response = await customer.Client.PostAsJsonAsync("/v1/webhooks/endpoints", new { url, eventTypes = new[] { "account.opened" } });
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "webhook_url_not_allowed");
    }

    [Fact]
    public async Task A_url_too_long_is_refused()
    {
        var customer = await app.RegisterAndSignInAsync();
        var response = await customer.Client.PostAsJsonAsync("/v1/webhooks/endpoints", new { url = "https://8.8.8.8/" + new string('a', 2100), eventTypes = new[] { "account.opened" } });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("8.8.8.8", false)]
    [InlineData("2606:4700:4700::1111", false)]
    [InlineData("127.0.0.2", true)]
    [InlineData("::ffff:192.168.0.1", true)]
    [InlineData("169.254.1.1", true)]
    [InlineData("100.127.255.255", true)]
    [InlineData("100.128.0.1", false)]
    [InlineData("172.32.0.1", false)]
    [InlineData("ff02::1", true)]
    public void The_connect_time_rule_refuses_internal_addresses(string address, bool refused)
    {
        Assert.Equal(refused, WebhookAddresses.IsRefused(IPAddress.Parse(address), allowPrivateNetworks: false));
        Assert.False(WebhookAddresses.IsRefused(IPAddress.Parse(address), allowPrivateNetworks: true));
    }

    [Fact]
    public void Metadata_addresses_are_refused_even_where_private_networks_are_allowed()
    {
        Assert.True(WebhookAddresses.IsRefused(IPAddress.Parse("169.254.169.254"), allowPrivateNetworks: true));
        Assert.True(WebhookAddresses.IsRefused(IPAddress.Parse("::ffff:169.254.169.254"), allowPrivateNetworks: true));
        Assert.True(WebhookAddresses.IsRefused(IPAddress.Parse("fd00:ec2::254"), allowPrivateNetworks: true));
    }
}
