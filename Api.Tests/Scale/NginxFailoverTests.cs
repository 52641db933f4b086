using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Scale;

/// <summary>
/// <c>scripts/cluster</c> as a client meets it: three replicas (real processes: the service as this
/// test run built it) over one SQLite file behind nginx. One replica is killed (SIGKILL) under a
/// steady load of authenticated reads and money movements; nginx retries on the others, so every
/// request is still answered 2xx, and every transfer is applied exactly once.
/// </summary>
[Trait("Category", "External")]
public sealed class NginxFailoverTests
{
    private const int Workers = 4;
    private const long Funds = 1_000_000;
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Killing_one_of_three_replicas_under_load_loses_no_request()
    {
        var cancellation = TestContext.Current.CancellationToken;
        if (ExternalProcess.Find("nginx") is null)
        {
            Assert.Skip("nginx is not installed here (apt-get install -y nginx; .ci/run installs it).");
        }

        // The service as this test run built it (JIT, starts in about a second); STRONGROOM_REPLICA_APP may
        // name another build, e.g. the native binary from scripts/publish.
        var app = Environment.GetEnvironmentVariable("STRONGROOM_REPLICA_APP") ?? Path.Combine(AppContext.BaseDirectory, "strongroom");
        if (!File.Exists(app) || OperatingSystem.IsWindows())
        {
            Assert.Skip($"No strongroom apphost at {app} to run as a replica (scripts/cluster is a bash script for Linux).");
        }

        var directory = TempDirectory.Create();
        var clock = Stopwatch.StartNew();
        var phases = new List<string>();
        void Phase(string name)
        {
            phases.Add($"{name} {clock.Elapsed.TotalSeconds:0.0} s");
            clock.Restart();
        }

        var adminPassword = $"Admin-{Guid.NewGuid():N}";
        var environment = new Dictionary<string, string>
        {
            ["Bootstrap__AdminEmail"] = "admin@failover.strongroom.test",
            ["Bootstrap__AdminPassword"] = adminPassword,
            // One user sends far more than a person would; the per-user money-movement limit is not what is tested.
            ["Api__MoneyMovementRateLimit__PermitLimit"] = "1000000",
            ["Api__MoneyMovementRateLimit__TokensPerSecond"] = "1000000",
            // The test holds SQLite's write lock for as long as it needs transfers in flight: they must wait, not be shed.
            ["Ledger__MaxQueueWait"] = "00:01:00",
            ["Ledger__MaxWriterWait"] = "00:01:00",
        };
        try
        {
            var up = await Cluster("up", ["--dir", directory, "--replicas", "3", "--port", "0", "--app", app, "--no-redis"], environment);
            Assert.True(up.ExitCode == 0, $"scripts/cluster up failed:\n{up.Output}");
            TestContext.Current.TestOutputHelper?.WriteLine($"scripts/cluster up: {up.Elapsed.TotalSeconds:0.0} s\n{up.Output}");
            Phase("up");
            var url = new Uri(File.ReadAllText(Path.Combine(directory, "url")).Trim());
            using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 2 * Workers };
            using var admin = new HttpClient(handler, disposeHandler: false) { BaseAddress = url };
            admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await ReplicaClient.TokenAsync(admin, environment["Bootstrap__AdminEmail"], adminPassword));

            // The last one only sends the transfers that are in flight when the replica dies.
            var customers = await Task.WhenAll(Enumerable.Range(0, Workers + 1)
                .Select(_ => Worker.OpenAsync(new HttpClient(handler, disposeHandler: false) { BaseAddress = url }, admin)));
            var (workers, probe) = (customers[..Workers], customers[Workers]);

            Phase("customers");
            // Steady load, then one replica killed in the middle of it.
            using var stop = new CancellationTokenSource();
            var failures = new ConcurrentQueue<string>();
            var load = workers.Select(worker => Task.Run(() => worker.RunAsync(failures, stop.Token), CancellationToken.None)).ToList();
            long Sent() => workers.Sum(worker => worker.Sent);
            await LedgerClient.WaitUntilAsync(() => Sent() >= 100, TimeSpan.FromSeconds(30), "the load is under way");

            // Make sure the kill catches money movements in flight on the victim: hold SQLite's write lock so
            // every POST waits inside a replica; once each worker waits on one (and nginx has passed them on),
            // three more go out together, and nginx's round robin gives one to each replica.
            Phase("load");
            long atKill;
            Task<HttpResponseMessage>[] inFlight;
            await using (await SqliteWriteLock.AcquireAsync(Path.Combine(directory, "strongroom.db")))
            {
                await LedgerClient.WaitUntilAsync(async () => workers.All(worker => worker.InTransfer) && await NginxBusyAsync(admin) == Workers,
                    TimeSpan.FromSeconds(20), "every worker's transfer waits inside a replica");
                inFlight = [.. Enumerable.Range(0, 3).Select(_ => probe.Client.PostWithKeyAsync("/v1/transfers", LedgerClient.Transfer(probe.From, probe.To, 1), LedgerClient.NewKey()))];
                await LedgerClient.WaitUntilAsync(async () => await NginxBusyAsync(admin) == Workers + inFlight.Length,
                    TimeSpan.FromSeconds(20), "nginx has passed the three transfers on");

                atKill = Sent() + inFlight.Length;
                var victim = int.Parse(File.ReadAllText(Path.Combine(directory, "replica-2.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
                using (var process = Process.GetProcessById(victim))
                {
                    process.Kill();
                }

                // Dead before the lock goes, so it cannot have committed what it was sent.
                await LedgerClient.WaitUntilAsync(() => IsDead(victim), TimeSpan.FromSeconds(10), "the killed replica has died");
            }

            foreach (var response in await Task.WhenAll(inFlight))
            {
                await response.AssertJsonAsync(HttpStatusCode.Created);
            }

            Phase("kill");
            var sinceKill = Stopwatch.StartNew();
            await LedgerClient.WaitUntilAsync(() => Sent() >= atKill + 300 && sinceKill.Elapsed >= TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(60),
                "the load has gone on well past the kill");
            await stop.CancelAsync();
            await Task.WhenAll(load);

            Phase("load after the kill");
            var sent = Sent() + inFlight.Length;
            // The access log names every replica a request was passed to: "upstream=127.0.0.1:a, 127.0.0.1:b upstream_status=502, 201".
            var retriedLines = File.ReadLines(Path.Combine(directory, "nginx-access.log"))
                .Where(line => line.Split(" upstream=")[^1].Split(" upstream_status=")[0].Contains(',', StringComparison.Ordinal)).ToList();
            var retried = retriedLines.Count;
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"Requests through nginx: {sent} ({workers.Sum(w => w.Transfers)} transfers, {sent - workers.Sum(w => w.Transfers)} reads), {atKill} before the kill; "
                + $"failures: {failures.Count}; passed on to another replica: {retried} ({retriedLines.Count(line => line.Contains("\"POST ", StringComparison.Ordinal))} POSTs).\n"
                + string.Join('\n', retriedLines));

            Assert.True(failures.IsEmpty, $"{failures.Count} of {sent} requests failed, e.g.:\n{string.Join('\n', failures.Take(10))}");
            // The kill was felt: a transfer the victim had taken was resent to another replica (non_idempotent).
            Assert.Contains(retriedLines, line => line.Contains("\"POST /v1/transfers ", StringComparison.Ordinal));

            // Every transfer answered 201 was applied once: no more, no fewer (a retry replays, never repeats).
            probe.Add(inFlight.Length);
            foreach (var worker in customers)
            {
                Assert.Equal(new Balance(Funds - worker.Transfers, 0, Funds - worker.Transfers), await ReplicaClient.BalanceAsync(worker.Client, worker.From));
                Assert.Equal(new Balance(worker.Transfers, 0, worker.Transfers), await ReplicaClient.BalanceAsync(worker.Client, worker.To));
            }

            await ReplicaClient.AssertLedgerVerifiesAsync(admin);

            var status = await Cluster("status", ["--dir", directory], environment);
            Assert.Contains("replica-2  down", status.Output);
            Assert.Contains("replica-1  ready", status.Output);
            Assert.Contains("replica-3  ready", status.Output);
            foreach (var customer in customers)
            {
                customer.Client.Dispose();
            }
        }
        finally
        {
            Phase("checks");
            var down = await Cluster("down", ["--dir", directory], environment);
            Phase("down");
            TestContext.Current.TestOutputHelper?.WriteLine($"{down.Output}Phases: {string.Join(", ", phases)}.");
            TempDirectory.Delete(directory);
        }
    }

    /// <summary>Gone, or a zombie (the script's children are reaped by pid 1, not by us).</summary>
    private static bool IsDead(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>Requests nginx is serving right now, besides this one (stub_status "Writing").</summary>
    private static async Task<int> NginxBusyAsync(HttpClient client)
    {
        var status = await client.GetStringAsync("/nginx-status", TestContext.Current.CancellationToken);
        var writing = status[(status.IndexOf("Writing:", StringComparison.Ordinal) + "Writing:".Length)..].Trim().Split(' ')[0];
        return int.Parse(writing, System.Globalization.CultureInfo.InvariantCulture) - 1;
    }

    private static Task<ExternalProcess.Result> Cluster(string command, string[] options, IReadOnlyDictionary<string, string> environment) =>
        ExternalProcess.RunAsync("bash", [Path.Combine(Repository.Root(), "scripts", "cluster"), command, .. options], Repository.Root(), ScriptTimeout, environment);

    /// <summary>One customer moving 1 cent at a time between their two accounts and reading the source back.</summary>
    private sealed class Worker(HttpClient client, string from, string to)
    {
        private long _sent;
        private long _transfers;
        private int _inTransfer;

        public HttpClient Client => client;

        public string From => from;

        public string To => to;

        public long Sent => Interlocked.Read(ref _sent);

        public long Transfers => Interlocked.Read(ref _transfers);

        /// <summary>True while a transfer of this worker's is unanswered.</summary>
        public bool InTransfer => Volatile.Read(ref _inTransfer) == 1;

        /// <summary>Counts transfers made outside <see cref="RunAsync"/>.</summary>
        public void Add(long transfers) => Interlocked.Add(ref _transfers, transfers);

        public static async Task<Worker> OpenAsync(HttpClient client, HttpClient admin)
        {
            var email = await ReplicaClient.RegisterAsync(client);
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await ReplicaClient.TokenAsync(client, email));
            var from = (await (await client.PostJsonAsync("/v1/accounts", new { currency = "EUR", name = "Main" })).AssertJsonAsync(HttpStatusCode.Created)).Id();
            var to = (await (await client.PostJsonAsync("/v1/accounts", new { currency = "EUR", name = "Savings" })).AssertJsonAsync(HttpStatusCode.Created)).Id();
            await (await admin.PostWithKeyAsync("/v1/deposits", new { accountId = from, amount = Funds, currency = "EUR" }, LedgerClient.NewKey()))
                .AssertJsonAsync(HttpStatusCode.Created);
            return new Worker(client, from, to);
        }

        public async Task RunAsync(ConcurrentQueue<string> failures, CancellationToken stop)
        {
            // Bounded by count as well as by the caller's stop.
            for (var round = 0; round < 20_000 && !stop.IsCancellationRequested; round++)
            {
                var transfer = new HttpRequestMessage(HttpMethod.Post, "/v1/transfers") { Content = JsonContent.Create(LedgerClient.Transfer(from, to, 1)) };
                transfer.Headers.Add(LedgerClient.IdempotencyKeyHeader, LedgerClient.NewKey());
                Volatile.Write(ref _inTransfer, 1);
                if (await SendAsync(transfer, HttpStatusCode.Created, failures))
                {
                    Interlocked.Increment(ref _transfers);
                }

                Volatile.Write(ref _inTransfer, 0);

                await SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/v1/accounts/{from}"), HttpStatusCode.OK, failures);
            }
        }

        private async Task<bool> SendAsync(HttpRequestMessage request, HttpStatusCode expected, ConcurrentQueue<string> failures)
        {
            Interlocked.Increment(ref _sent);
            try
            {
                using var response = await client.SendAsync(request, CancellationToken.None);
                var body = await response.Content.ReadAsStringAsync(CancellationToken.None);
                if (response.StatusCode == expected)
                {
                    return true;
                }

                failures.Enqueue($"{request.Method} {request.RequestUri}: {(int)response.StatusCode} {body}");
            }
            catch (HttpRequestException exception)
            {
                failures.Enqueue($"{request.Method} {request.RequestUri}: {exception.Message}");
            }
            finally
            {
                request.Dispose();
            }

            return false;
        }
    }
}
