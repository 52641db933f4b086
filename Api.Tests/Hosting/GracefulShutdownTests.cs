using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Hosting;

/// <summary>
/// SIGTERM as a supervisor sends it, to the service as a process of its own (the apphost of this test
/// build), under a steady load of transfers, some of them held inside the service (SQLite's write lock)
/// when the signal comes.
/// </summary>
[Trait("Category", "External")]
public sealed class GracefulShutdownTests
{
    private const int Workers = 6;
    private const long Funds = 1_000_000;
    private static readonly TimeSpan DrainDelay = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Sigterm_under_load_answers_every_request_sent_before_it_and_loses_no_acknowledged_transfer()
    {
        var secrets = AppSecrets.Create();
        var environment = new Dictionary<string, string>(secrets.ProductionEnvironment("shutdown-1"))
        {
            ["Api__MoneyMovementRateLimit__PermitLimit"] = "1000000",
            ["Api__MoneyMovementRateLimit__TokensPerSecond"] = "1000000",
            // The transfers held by the test's write lock must wait for it, not be shed.
            ["Ledger__MaxQueueWait"] = "00:01:00",
            ["Ledger__MaxWriterWait"] = "00:01:00",
            ["Hosting__ShutdownDrainDelay"] = DrainDelay.ToString(),
            ["Hosting__ShutdownTimeout"] = ShutdownTimeout.ToString(),
        };
        var directory = TempDirectory.Create();
        try
        {
            string from, to;
            var load = new Load();
            await using (var service = await ServiceProcess.StartAsync(environment, directory))
            {
                using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 2 * Workers };
                using var customer = new HttpClient(handler, disposeHandler: false) { BaseAddress = service.Address };
                var email = await ReplicaClient.RegisterAsync(customer);
                customer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await ReplicaClient.TokenAsync(customer, email));
                from = await OpenAsync(customer, "From");
                to = await OpenAsync(customer, "To");
                using (var admin = new HttpClient { BaseAddress = service.Address })
                {
                    admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await ReplicaClient.TokenAsync(admin, secrets.AdminEmail, secrets.AdminPassword));
                    await (await admin.PostWithKeyAsync("/v1/deposits", new { accountId = from, amount = Funds, currency = "EUR" }, LedgerClient.NewKey()))
                        .AssertJsonAsync(HttpStatusCode.Created);
                }

                var workers = Enumerable.Range(0, Workers).Select(_ => Task.Run(() => load.RunAsync(customer, from, to), CancellationToken.None)).ToList();
                await LedgerClient.WaitUntilAsync(() => load.Acknowledged >= 200, TimeSpan.FromSeconds(30), "the load is under way");

                Stopwatch sinceSignal;
                await using (await SqliteWriteLock.AcquireAsync(Path.Combine(directory, "data", "strongroom.db")))
                {
                    // Every worker's transfer now waits inside the service for the lock.
                    await LedgerClient.WaitUntilAsync(() => load.InFlight == Workers, TimeSpan.FromSeconds(20), "every worker has a transfer in flight");
                    load.Signal();
                    sinceSignal = Stopwatch.StartNew();
                    await service.TerminateAsync();

                    // Out of the load balancer at once; still serving new requests meanwhile.
                    using var probe = new HttpClient { BaseAddress = service.Address };
                    await LedgerClient.WaitUntilAsync(async () => (await probe.GetAsync("/health/ready", TestContext.Current.CancellationToken)).StatusCode == HttpStatusCode.ServiceUnavailable,
                        TimeSpan.FromSeconds(1), "/health/ready answers 503 after the signal");
                    probe.DefaultRequestHeaders.Authorization = customer.DefaultRequestHeaders.Authorization;
                    await (await probe.GetAsync($"/v1/accounts/{to}", TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK);
                    Assert.True(sinceSignal.Elapsed < DrainDelay, $"The checks took {sinceSignal.Elapsed.TotalSeconds:0.0} s, longer than the drain delay.");
                }

                var exitedAfter = await service.WaitForExitAsync(ShutdownTimeout + TimeSpan.FromSeconds(10));
                await Task.WhenAll(workers);
                TestContext.Current.TestOutputHelper?.WriteLine(
                    $"Exited {sinceSignal.Elapsed.TotalSeconds:0.0} s after SIGTERM (code {service.ExitCode}); {load.Acknowledged} transfers acknowledged, "
                    + $"{load.InFlightAtSignal} in flight at the signal, {load.AnsweredAfterSignal} answered after it, {load.RefusedAfterSignal} not taken after the drain.");
                Assert.Equal(0, service.ExitCode);
                Assert.True(exitedAfter < ShutdownTimeout, $"Exit took {exitedAfter.TotalSeconds:0.0} s.");
                Assert.True(load.Failures.IsEmpty, string.Join('\n', load.Failures.Take(10)));
                Assert.True(load.InFlightAtSignal >= Workers);
            }

            // Started again over the same database: every acknowledged transfer is there, exactly once.
            await using (var restarted = await ServiceProcess.StartAsync(environment, directory))
            {
                using var admin = new HttpClient { BaseAddress = restarted.Address };
                admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await ReplicaClient.TokenAsync(admin, secrets.AdminEmail, secrets.AdminPassword));
                var balance = await ReplicaClient.BalanceAsync(admin, to);
                Assert.Equal(load.Acknowledged, balance.Posted);
                Assert.Equal(Funds - load.Acknowledged, (await ReplicaClient.BalanceAsync(admin, from)).Posted);
                await ReplicaClient.AssertLedgerVerifiesAsync(admin);
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            TempDirectory.Delete(directory);
        }
    }

    private static async Task<string> OpenAsync(HttpClient customer, string name)
    {
        var opened = await customer.PostAsync("/v1/accounts", System.Net.Http.Json.JsonContent.Create(new { currency = "EUR", name }), TestContext.Current.CancellationToken);
        return (await opened.AssertJsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
    }

    /// <summary>Transfers of 1 cent, one after another per worker, until the service stops taking connections.</summary>
    private sealed class Load
    {
        private long _acknowledged;
        private int _inFlight;
        private volatile bool _signalled;
        private int _inFlightAtSignal;
        private int _answeredAfterSignal;
        private int _refusedAfterSignal;

        public long Acknowledged => Interlocked.Read(ref _acknowledged);

        public int InFlight => Volatile.Read(ref _inFlight);

        public int InFlightAtSignal => _inFlightAtSignal;

        public int AnsweredAfterSignal => _answeredAfterSignal;

        public int RefusedAfterSignal => _refusedAfterSignal;

        public ConcurrentQueue<string> Failures { get; } = new();

        public void Signal()
        {
            _inFlightAtSignal = InFlight;
            _signalled = true;
        }

        public async Task RunAsync(HttpClient customer, string from, string to)
        {
            while (true)
            {
                var sentBeforeSignal = !_signalled;
                Interlocked.Increment(ref _inFlight);
                try
                {
                    var response = await customer.PostWithKeyAsync("/v1/transfers", LedgerClient.Transfer(from, to, 1), LedgerClient.NewKey());
                    if (response.StatusCode == HttpStatusCode.Created)
                    {
                        Interlocked.Increment(ref _acknowledged);
                        if (_signalled)
                        {
                            Interlocked.Increment(ref _answeredAfterSignal);
                        }
                    }
                    else
                    {
                        Failures.Enqueue($"{(sentBeforeSignal ? "before" : "after")} the signal: {(int)response.StatusCode} {await response.BodyAsync()}");
                        return;
                    }
                }
                catch (HttpRequestException) when (!sentBeforeSignal)
                {
                    // Sent after the signal, and the service had stopped listening: a load balancer sends it elsewhere.
                    Interlocked.Increment(ref _refusedAfterSignal);
                    return;
                }
                catch (HttpRequestException exception)
                {
                    Failures.Enqueue($"sent before the signal and cut: {exception.Message}");
                    return;
                }
                finally
                {
                    Interlocked.Decrement(ref _inFlight);
                }
            }
        }
    }
}
