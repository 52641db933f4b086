using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Scale;

/// <summary>
/// The background jobs run on every replica that serves Transfers, with no lease: two replicas over
/// one database expiring the same holds at the same moments must still void each exactly once.
/// </summary>
public sealed class JobsOnReplicasTests
{
    private const int HoldsPerReplica = 50;
    private const long Funds = 1_000_000;

    [Fact]
    public async Task Two_replicas_expiring_the_same_holds_void_each_exactly_once()
    {
        await using var deployment = new SharedDeployment();
        // Both look for due holds every 50 ms, so their runs overlap and race for the same holds.
        var fast = new Dictionary<string, string?> { ["Ledger:HoldExpiryInterval"] = "00:00:00.050" };
        var voidedByA = new VoidedHolds();
        var voidedByB = new VoidedHolds();
        // One clock both replicas read, moved by the test: the holds fall due when it says, not when a busy machine gets there.
        var clock = new TestClock();
        var a = deployment.StartReplica(fast, services => services.AddSingleton<ILoggerProvider>(voidedByA).AddSingleton<TimeProvider>(clock));
        var b = deployment.StartReplica(fast, services => services.AddSingleton<ILoggerProvider>(voidedByB).AddSingleton<TimeProvider>(clock));

        var anonymous = a.Client();
        var admin = a.Client(await ReplicaClient.TokenAsync(anonymous, deployment.AdminEmail, deployment.AdminPassword));
        var email = await ReplicaClient.RegisterAsync(anonymous);
        var token = await ReplicaClient.TokenAsync(anonymous, email);
        var (onA, onB) = (a.Client(token), b.Client(token));
        var from = (await (await onA.PostJsonAsync("/v1/accounts", new { currency = "EUR", name = "Main" })).AssertJsonAsync(HttpStatusCode.Created)).Id();
        var to = (await (await onB.PostJsonAsync("/v1/accounts", new { currency = "EUR", name = "Other" })).AssertJsonAsync(HttpStatusCode.Created)).Id();
        await (await admin.PostWithKeyAsync("/v1/deposits", new { accountId = from, amount = Funds, currency = "EUR" }, LedgerClient.NewKey()))
            .AssertJsonAsync(HttpStatusCode.Created);

        // Half the holds placed through each replica, due 10 ms apart a minute ahead; once the clock
        // passes them all, both replicas' runs find the same due holds and race for them.
        var firstDue = clock.GetUtcNow().AddMinutes(1);
        var holds = new List<string>();
        foreach (var replica in new[] { onA, onB })
        {
            var batch = Enumerable.Range(1, HoldsPerReplica)
                .Select(amount => LedgerClient.Hold(from, to, amount, firstDue.AddMilliseconds(10 * (holds.Count + amount))));
            var placed = await (await replica.PostWithKeyAsync("/v1/transfers/batch", new { transfers = batch }, LedgerClient.NewKey()))
                .AssertJsonAsync(HttpStatusCode.Created);
            holds.AddRange(placed.GetProperty("transfers").EnumerateArray().Select(transfer => transfer.Id()));
        }

        var held = 2 * Enumerable.Range(1, HoldsPerReplica).Sum();
        Assert.Equal(new Balance(Funds, -held, Funds - held), await ReplicaClient.BalanceAsync(onA, from));
        Assert.Equal(0, voidedByA.Count + voidedByB.Count);

        clock.Advance(TimeSpan.FromMinutes(2));

        await LedgerClient.WaitUntilAsync(() => voidedByA.Count + voidedByB.Count >= holds.Count, TimeSpan.FromSeconds(30), "every hold has been voided");

        // Each replica counts the holds it voided itself: a hold voided twice would be counted twice.
        Assert.Equal(holds.Count, voidedByA.Count + voidedByB.Count);
        TestContext.Current.TestOutputHelper?.WriteLine($"Voided by replica A: {voidedByA.Count}, by replica B: {voidedByB.Count}.");
        foreach (var id in holds)
        {
            var transfer = await (await onB.GetAsync($"/v1/transfers/{id}")).AssertJsonAsync(HttpStatusCode.OK);
            Assert.Equal("voided", transfer.Status());
            Assert.Equal(0, transfer.GetProperty("capturedAmount").GetInt64());
        }

        // Released once: nothing pending, nothing moved, the money all back where it was.
        Assert.Equal(new Balance(Funds, 0, Funds), await ReplicaClient.BalanceAsync(onB, from));
        Assert.Equal(new Balance(0, 0, 0), await ReplicaClient.BalanceAsync(onA, to));
        Assert.Empty(await EntriesOfAsync(onA, to));
        await ReplicaClient.AssertLedgerVerifiesAsync(admin);
        await ReplicaClient.AssertLedgerVerifiesAsync(b.Client(await ReplicaClient.TokenAsync(anonymous, deployment.AdminEmail, deployment.AdminPassword)));
    }

    private static async Task<JsonElement.ArrayEnumerator> EntriesOfAsync(HttpClient reader, string accountId) =>
        (await (await reader.GetAsync($"/v1/accounts/{accountId}/entries")).AssertJsonAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray();

    /// <summary>Adds up the <c>Count</c> of the hold expiry job's "Voided {Count} expired hold(s)" records of one replica.</summary>
    private sealed class VoidedHolds : ILoggerProvider, ILogger
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public ILogger CreateLogger(string categoryName) =>
            categoryName == "Strongroom.Features.Ledger.HoldExpiryJob" ? this : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (state is IReadOnlyList<KeyValuePair<string, object?>> values
                && values.Any(v => v.Key == "{OriginalFormat}" && v.Value is string format && format.StartsWith("Voided", StringComparison.Ordinal))
                && values.FirstOrDefault(v => v.Key == "Count").Value is int count)
            {
                Interlocked.Add(ref _count, count);
            }
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public void Dispose()
        {
        }
    }
}
