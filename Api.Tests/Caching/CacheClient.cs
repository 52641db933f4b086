using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Caching;

/// <summary>Reads as a client sees them, with the RFC 9211 <c>Cache-Status</c> that came with them.</summary>
public static class CacheClient
{
    public static string CacheStatus(this HttpResponseMessage response) =>
        response.Headers.TryGetValues("Cache-Status", out var values) ? string.Join(", ", values) : "";

    public static async Task<(JsonElement Account, string CacheStatus)> ReadAccountAsync(this SignedIn reader, string accountId)
    {
        var response = await reader.Client.GetAsync($"/v1/accounts/{accountId}", TestContext.Current.CancellationToken);
        return (await response.AssertJsonAsync(HttpStatusCode.OK), response.CacheStatus());
    }

    public static async Task<(JsonElement Profile, string CacheStatus)> ReadProfileAsync(this SignedIn reader)
    {
        var response = await reader.Client.GetAsync("/v1/me", TestContext.Current.CancellationToken);
        return (await response.AssertJsonAsync(HttpStatusCode.OK), response.CacheStatus());
    }

    public static long Posted(this JsonElement account) => account.GetProperty("balance").GetProperty("posted").GetInt64();

    /// <summary>
    /// Polls <paramref name="read"/> as fast as the client can until it returns true; returns how
    /// long that took. Fails once <paramref name="deadline"/> has passed.
    /// </summary>
    public static async Task<TimeSpan> TimeUntilAsync(Func<Task<bool>> read, TimeSpan deadline, string what)
    {
        var elapsed = Stopwatch.StartNew();
        while (!await read())
        {
            Assert.True(elapsed.Elapsed < deadline, $"Gave up after {deadline.TotalSeconds:0.#} s waiting until {what}.");
            await Task.Delay(TimeSpan.FromMilliseconds(1), TestContext.Current.CancellationToken);
        }

        return elapsed.Elapsed;
    }

    public static void Report(string line) => TestContext.Current.SendDiagnosticMessage(line);
}
