using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Ledger;

/// <summary>
/// Jepsen-style: many customers move money between a few accounts at once, often more than they
/// have, while auditors read the whole ledger. Whatever interleaving happens, no money is created
/// or lost, nobody goes below zero, and every accepted transfer is in the books exactly once.
/// </summary>
[Trait("Category", "Invariant")]
public abstract class BankInvariantTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : StrongroomApp
{
    private const int Customers = 5;
    private const long Funding = 500;
    private const int Workers = 8;
    private const int TransfersPerWorker = 40;
    private const int Readers = 2;
    private const int Seed = 3_141_592;

    /// <summary>Half an account's funding: two or three of these in a row overdraw it.</summary>
    private const long MaxAmount = 250;

    [Fact]
    public async Task Concurrent_transfers_never_create_lose_or_duplicate_money()
    {
        var admin = await app.SignInAsAdminAsync();
        var customers = new List<(SignedIn Owner, string AccountId)>();
        for (var i = 0; i < Customers; i++)
        {
            customers.Add(await app.OpenFundedAccountAsync(admin, Funding));
        }

        var fundedTotal = Funding * Customers;
        var ours = customers.Select(c => c.AccountId).ToHashSet();
        var outcomes = new ConcurrentQueue<Outcome>();
        var snapshots = 0;

        var workers = Task.WhenAll(Enumerable.Range(0, Workers).Select(worker => Task.Run(async () =>
        {
            var random = new Random(Seed + worker);
            for (var i = 0; i < TransfersPerWorker; i++)
            {
                var from = random.Next(Customers);
                var to = (from + 1 + random.Next(Customers - 1)) % Customers;
                var amount = random.NextInt64(1, MaxAmount + 1);
                var response = await customers[from].Owner.PostTransferAsync(LedgerClient.Transfer(customers[from].AccountId, customers[to].AccountId, amount));
                outcomes.Enqueue(new Outcome(from, to, amount, response.StatusCode, await response.BodyAsync(), response.Headers.RetryAfter is not null));
            }
        })));
        var readers = Task.WhenAll(Enumerable.Range(0, Readers).Select(_ => Task.Run(async () =>
        {
            do
            {
                var snapshot = await admin.BalancesSnapshotAsync();
                Interlocked.Increment(ref snapshots);
                AssertConsistent(snapshot, ours, fundedTotal);
            }
            while (!workers.IsCompleted);
        })));
        await workers;
        await readers;

        // Every answer is a transfer, or one of the two refusals the contract allows under load.
        var accepted = new List<(Outcome Outcome, JsonElement Transfer)>();
        foreach (var outcome in outcomes)
        {
            var body = JsonDocument.Parse(outcome.Body).RootElement;
            switch (outcome.Status)
            {
                case HttpStatusCode.Created:
                    accepted.Add((outcome, body));
                    break;
                case HttpStatusCode.UnprocessableEntity when body.GetProperty("code").GetString() == "insufficient_funds":
                    break;
                case HttpStatusCode.ServiceUnavailable when body.GetProperty("code").GetString() == "ledger_busy":
                    Assert.True(outcome.HasRetryAfter, $"503 without Retry-After: {outcome.Body}");
                    break;
                default:
                    Assert.Fail($"Unexpected {(int)outcome.Status}: {outcome.Body}");
                    break;
            }
        }

        Assert.Equal(Workers * TransfersPerWorker, outcomes.Count);
        Assert.NotEmpty(accepted);
        Assert.Equal(accepted.Count, accepted.Select(a => a.Transfer.Id()).Distinct().Count());
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{accepted.Count} accepted, {outcomes.Count - accepted.Count} refused, {snapshots} snapshots read during the run.");

        // Each accepted transfer reads back as posted, and is exactly one debit and one credit.
        var entries = new Dictionary<string, List<LedgerEntry>>();
        foreach (var (owner, accountId) in customers)
        {
            entries[accountId] = await owner.EntriesAsync(accountId);
        }

        foreach (var (outcome, transfer) in accepted)
        {
            var read = await (await customers[outcome.From].Owner.GetTransferAsync(transfer.Id())).AssertJsonAsync(HttpStatusCode.OK);
            Assert.Equal("posted", read.Status());
            Assert.Equal(outcome.Amount, read.GetProperty("amount").GetInt64());
            var legs = entries.SelectMany(account => account.Value.Where(e => e.TransferId == transfer.Id()).Select(e => (Account: account.Key, e.Amount))).ToList();
            Assert.Equal(2, legs.Count);
            Assert.Contains((customers[outcome.From].AccountId, -outcome.Amount), legs);
            Assert.Contains((customers[outcome.To].AccountId, outcome.Amount), legs);
        }

        // The books hold nothing else: a deposit and the accepted transfers touching each account.
        var acceptedIds = accepted.Select(a => a.Transfer.Id()).ToHashSet();
        for (var i = 0; i < Customers; i++)
        {
            var touching = accepted.Count(a => a.Outcome.From == i || a.Outcome.To == i);
            var accountEntries = entries[customers[i].AccountId];
            Assert.Equal(1 + touching, accountEntries.Count);
            Assert.Single(accountEntries, e => !acceptedIds.Contains(e.TransferId));
        }

        // Final balances are what the accepted transfers say they should be.
        for (var i = 0; i < Customers; i++)
        {
            var expected = Funding
                + accepted.Where(a => a.Outcome.To == i).Sum(a => a.Outcome.Amount)
                - accepted.Where(a => a.Outcome.From == i).Sum(a => a.Outcome.Amount);
            Assert.True(expected >= 0, $"Accepted transfers took account {i} to {expected}.");
            Assert.Equal(new Balance(expected, 0, expected), await customers[i].Owner.BalanceAsync(customers[i].AccountId));
        }

        var final = await admin.BalancesSnapshotAsync();
        AssertConsistent(final, ours, fundedTotal);
        var verify = await (await admin.Client.GetAsync("/v1/admin/ledger/verify")).AssertJsonAsync(HttpStatusCode.OK);
        Assert.True(verify.GetProperty("ok").GetBoolean(), verify.ToString());
        Assert.Equal(0, verify.GetProperty("discrepancies").GetArrayLength());
    }

    [Fact]
    public async Task Concurrent_holds_captures_voids_and_expiries_never_create_lose_or_duplicate_money()
    {
        const int Steps = 25;
        var admin = await app.SignInAsAdminAsync();
        var customers = new List<(SignedIn Owner, string AccountId)>();
        for (var i = 0; i < Customers; i++)
        {
            customers.Add(await app.OpenFundedAccountAsync(admin, Funding));
        }

        var fundedTotal = Funding * Customers;
        var ours = customers.Select(c => c.AccountId).ToHashSet();
        var moves = new ConcurrentQueue<Move>();

        var workers = Task.WhenAll(Enumerable.Range(0, Workers).Select(worker => Task.Run(async () =>
        {
            var random = new Random(Seed + 100 + worker);
            for (var i = 0; i < Steps; i++)
            {
                var from = random.Next(Customers);
                var to = (from + 1 + random.Next(Customers - 1)) % Customers;
                var amount = random.NextInt64(1, MaxAmount + 1);
                var kind = (MoveKind)random.Next(5);
                var (owner, source, target) = (customers[from].Owner, customers[from].AccountId, customers[to].AccountId);
                if (kind == MoveKind.Transfer)
                {
                    var posted = await owner.PostTransferAsync(LedgerClient.Transfer(source, target, amount));
                    moves.Enqueue(new Move(kind, from, to, amount, AcceptedId(posted.StatusCode, await posted.BodyAsync()), Settled: null));
                    continue;
                }

                // A hold left to expire falls due within the run; the expiry job releases it.
                var expiresAt = kind == MoveKind.Expire ? DateTimeOffset.UtcNow.AddSeconds(2) : (DateTimeOffset?)null;
                var held = await owner.PostTransferAsync(LedgerClient.Hold(source, target, amount, expiresAt));
                var id = AcceptedId(held.StatusCode, await held.BodyAsync());
                long? settled = null;
                if (id is not null && kind != MoveKind.Expire)
                {
                    var capture = kind == MoveKind.CapturePart ? random.NextInt64(1, amount + 1) : amount;
                    var key = LedgerClient.NewKey();
                    HttpResponseMessage answer;
                    var attempts = 0;
                    do
                    {
                        // Shed under load (503, Retry-After): the same key again, as a client would.
                        answer = kind == MoveKind.Void ? await owner.VoidAsync(id, key) : await owner.CaptureAsync(id, kind == MoveKind.CapturePart ? capture : null, key);
                    }
                    while (answer.StatusCode == HttpStatusCode.ServiceUnavailable && ++attempts < 50);

                    await answer.AssertJsonAsync(HttpStatusCode.OK);
                    settled = kind == MoveKind.Void ? 0 : capture;
                }

                moves.Enqueue(new Move(kind, from, to, amount, id, settled));
            }
        })));
        var readers = Task.Run(async () =>
        {
            do
            {
                AssertConsistent(await admin.BalancesSnapshotAsync(), ours, fundedTotal);
            }
            while (!workers.IsCompleted);
        });
        await workers;
        await readers;

        var accepted = moves.Where(move => move.Id is not null).ToList();
        Assert.Equal(Workers * Steps, moves.Count);
        Assert.All(Enum.GetValues<MoveKind>(), kind => Assert.Contains(accepted, move => move.Kind == kind));

        // Every hold ends posted or voided: the ones left alone by the expiry job.
        var holds = accepted.Where(move => move.Kind != MoveKind.Transfer).ToList();
        var final = new Dictionary<string, JsonElement>();
        await LedgerClient.WaitUntilAsync(async () =>
        {
            foreach (var hold in holds.Where(hold => !final.ContainsKey(hold.Id!)))
            {
                var read = await (await customers[hold.From].Owner.GetTransferAsync(hold.Id!)).AssertJsonAsync(HttpStatusCode.OK);
                if (read.Status() != "pending")
                {
                    final[hold.Id!] = read;
                }
            }

            return final.Count == holds.Count;
        }, TimeSpan.FromSeconds(30), "every hold is captured, voided or expired");

        var moved = new List<(int From, int To, long Amount)>();
        foreach (var move in accepted)
        {
            if (move.Kind == MoveKind.Transfer)
            {
                moved.Add((move.From, move.To, move.Amount));
                continue;
            }

            var read = final[move.Id!];
            var expected = move.Settled ?? 0;
            Assert.Equal(expected > 0 ? "posted" : "voided", read.Status());
            Assert.Equal(expected, read.GetProperty("capturedAmount").GetInt64());
            moved.Add((move.From, move.To, expected));
        }

        for (var i = 0; i < Customers; i++)
        {
            var expected = Funding + moved.Where(m => m.To == i).Sum(m => m.Amount) - moved.Where(m => m.From == i).Sum(m => m.Amount);
            Assert.Equal(new Balance(expected, 0, expected), await customers[i].Owner.BalanceAsync(customers[i].AccountId));
            var entries = await customers[i].Owner.EntriesAsync(customers[i].AccountId);
            // The deposit, and one leg for each movement that moved something.
            Assert.Equal(1 + moved.Count(m => m.Amount > 0 && (m.From == i || m.To == i)), entries.Count);
        }

        AssertConsistent(await admin.BalancesSnapshotAsync(), ours, fundedTotal);
        var verify = await (await admin.Client.GetAsync("/v1/admin/ledger/verify")).AssertJsonAsync(HttpStatusCode.OK);
        Assert.True(verify.GetProperty("ok").GetBoolean(), verify.ToString());
    }

    /// <summary>The new transfer's id when accepted; null for a refusal the contract allows under load; fails on anything else.</summary>
    private static string? AcceptedId(HttpStatusCode status, string body)
    {
        var json = JsonDocument.Parse(body).RootElement;
        return status switch
        {
            HttpStatusCode.Created => json.Id(),
            HttpStatusCode.UnprocessableEntity when json.GetProperty("code").GetString() == "insufficient_funds" => null,
            HttpStatusCode.ServiceUnavailable when json.GetProperty("code").GetString() == "ledger_busy" => null,
            _ => throw new Xunit.Sdk.XunitException($"Unexpected {(int)status}: {body}"),
        };
    }

    private enum MoveKind
    {
        Transfer,
        CaptureAll,
        CapturePart,
        Void,
        Expire,
    }

    /// <summary>One step of a worker; <paramref name="Settled"/> is what a capture took (0 for a void), null when nothing settled the hold.</summary>
    private sealed record Move(MoveKind Kind, int From, int To, long Amount, string? Id, long? Settled);

    private static void AssertConsistent(List<LedgerBalance> snapshot, HashSet<string> ours, long fundedTotal)
    {
        var customers = snapshot.Where(row => ours.Contains(row.AccountId)).ToList();
        Assert.Equal(ours.Count, customers.Count);
        Assert.Equal(fundedTotal, customers.Sum(row => row.Posted));
        Assert.All(customers, row =>
        {
            Assert.True(row.Posted >= 0, $"Account {row.AccountId} went negative: {row}");
            Assert.True(row.Posted - row.PendingDebits >= 0, $"Account {row.AccountId} has negative available: {row}");
        });
        Assert.All(snapshot.GroupBy(row => row.Currency), currency => Assert.Equal(0, currency.Sum(row => row.Posted)));
    }

    private sealed record Outcome(int From, int To, long Amount, HttpStatusCode Status, string Body, bool HasRetryAfter);
}

public sealed class BankInvariantsOnSqlite(SqliteApp app) : BankInvariantTests<SqliteApp>(app);

[Trait("Category", "SqlServer")]
public sealed class BankInvariantsOnSqlServer(SqlServerApp app) : BankInvariantTests<SqlServerApp>(app);
