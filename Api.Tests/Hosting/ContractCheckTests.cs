using System.Net.Http.Json;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Hosting;

/// <summary>The response check every test host runs refuses what the document does not promise, and lets through what it does.</summary>
public sealed class ContractCheckTests(AppWithRogueAnswers app) : IClassFixture<AppWithRogueAnswers>
{
    [Theory]
    [InlineData("GET", "/v1/accounts", "status", "answered 418, which its responses")]
    [InlineData("POST", "/v1/accounts", "no-location", "the required header Location is missing")]
    [InlineData("GET", "/v1/accounts/acc_x", "body", "at /status")]
    [InlineData("GET", "/v1/not-in-the-document", "endpoint", "is not in the document, yet was answered 200")]
    public async Task An_answer_the_document_does_not_promise_fails_the_request_that_got_it(string method, string path, string rogue, string reason)
    {
        var admin = await app.SignInAsAdminAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Add(AppWithRogueAnswers.Header, rogue);

        var violation = await Assert.ThrowsAsync<ContractViolationException>(() => admin.Client.SendAsync(request, TestContext.Current.CancellationToken));

        Assert.Contains(reason, violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task What_the_document_promises_passes()
    {
        var admin = await app.SignInAsAdminAsync();

        var opened = await admin.Client.PostAsJsonAsync("/v1/accounts", new { currency = "EUR", name = "Checked" }, TestContext.Current.CancellationToken);

        Assert.Equal(System.Net.HttpStatusCode.Created, opened.StatusCode);
        Assert.NotNull(opened.Headers.Location);
    }
}
