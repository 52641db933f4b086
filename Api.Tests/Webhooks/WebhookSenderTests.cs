using Microsoft.Extensions.Options;
using Strongroom.Features.Webhooks;

namespace Strongroom.Api.Tests.Webhooks;

/// <summary>The sender's own rules, whatever was checked at registration: the address is checked when connecting, and redirects are not followed.</summary>
public sealed class WebhookSenderTests
{
    [Fact]
    public async Task A_connection_to_a_refused_address_is_not_made_even_for_a_registered_url()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var sender = new WebhookSender(Options.Create(new WebhookOptions { AllowPrivateNetworks = false, Timeout = TimeSpan.FromSeconds(5) }));

        var outcome = await sender.SendAsync(receiver.Url, "evt_0000000000001", DateTimeOffset.UtcNow.ToUnixTimeSeconds(), "{}"u8.ToArray(), "v1,x", TestContext.Current.CancellationToken);
        var byName = await sender.SendAsync($"http://localhost:{receiver.Port}/hooks", "evt_0000000000001", DateTimeOffset.UtcNow.ToUnixTimeSeconds(), "{}"u8.ToArray(), "v1,x", TestContext.Current.CancellationToken);

        Assert.Equal(WebhookSender.AddressNotAllowed, outcome.Error);
        Assert.Equal(WebhookSender.AddressNotAllowed, byName.Error);
        Assert.Null(outcome.StatusCode);
        Assert.Empty(receiver.Received);
    }

    [Fact]
    public async Task A_redirect_is_an_answer_not_followed()
    {
        await using var target = await WebhookReceiver.StartAsync();
        await using var redirecting = await WebhookReceiver.StartAsync();
        redirecting.Answer = (_, _) => new ReceiverAnswer(307, Location: target.Url);
        using var sender = new WebhookSender(Options.Create(new WebhookOptions { AllowPrivateNetworks = true, Timeout = TimeSpan.FromSeconds(5) }));

        var outcome = await sender.SendAsync(redirecting.Url, "evt_0000000000001", DateTimeOffset.UtcNow.ToUnixTimeSeconds(), "{}"u8.ToArray(), "v1,x", TestContext.Current.CancellationToken);

        Assert.Equal(307, outcome.StatusCode);
        Assert.False(outcome.IsSuccess);
        Assert.Single(redirecting.Received);
        Assert.Empty(target.Received);
    }
}
