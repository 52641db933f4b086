using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Strongroom.Api.Tests.Support;
using MediaTypeHeaderValue = System.Net.Http.Headers.MediaTypeHeaderValue;

namespace Strongroom.Api.Tests.Security;

/// <summary>
/// Issue 9: no request a client can send gets a 5xx. Every operation of the service's own OpenAPI
/// document (so a new endpoint is fuzzed without anyone listing it) gets a baseline request built
/// from its schemas and real ids, then mutations of it (<see cref="OpenApiFuzzer"/>), sent as an
/// anonymous caller, a customer and the admin. The oracle: no 5xx at all (no outage is staged
/// here, so not even a 503); every 4xx is problem details (an RFC 6749 error body on the form
/// endpoints); every balance change is explained by the transfers that 2xx answers reported; the
/// ledger still verifies; and the service logged no error. Set <c>FUZZ_SEED</c> to explore other
/// cases, and <c>FUZZ_DUMP</c> to a file path to keep every request and answer of the run.
/// </summary>
public sealed class OpenApiFuzzTests(FuzzApp app) : IClassFixture<FuzzApp>
{
    private const int DefaultSeed = 9;
    private const int CasesPerOperation = 110;
    private const int MinimumCasesPerOperation = 100;
    private const int Parallelism = 6;
    private const int ExamplesPerGroup = 3;

    [Fact]
    public async Task No_request_a_client_can_send_gets_a_5xx_a_bare_4xx_or_moves_money_unexplained()
    {
        var seed = Environment.GetEnvironmentVariable("FUZZ_SEED") is { Length: > 0 } configured ? int.Parse(configured, CultureInfo.InvariantCulture) : DefaultSeed;
        var world = await FuzzWorld.CreateAsync(app);
        var document = new OpenApiDocument(await (await app.CreateClient().GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK));
        var fuzzer = new OpenApiFuzzer(document, world.Known);
        var operations = fuzzer.Operations;
        var balancesBefore = await world.AdminCaller.BalancesSnapshotAsync();
        var clock = Stopwatch.StartNew();
        var started = DateTimeOffset.UtcNow;
        var random = new Random(seed);

        // First each operation's baseline as each identity: who may call it (anything but 401/403)
        // is who most of its mutations are sent as, so they reach past authorization.
        var index = 0;
        var calibration = operations.SelectMany(operation => FuzzWorld.Identities.Select(identity => fuzzer.Baseline(operation, identity, index++, random))).ToList();
        var results = new List<FuzzResult>(await SendAllAsync(world, calibration));
        var allowed = results.GroupBy(result => result.Request.Operation)
            .ToDictionary(group => group.Key, group => group.Where(r => r.Status is not (401 or 403)).Select(r => r.Request.Identity).DefaultIfEmpty(FuzzWorld.Anonymous).ToList());

        var cases = new List<FuzzRequest>();
        foreach (var operation in operations)
        {
            for (var i = 0; i < CasesPerOperation; i++)
            {
                var identity = random.NextDouble() < 0.85 ? random.Pick(allowed[operation]) : random.Pick(FuzzWorld.Identities);
                cases.Add(fuzzer.Mutate(operation, identity, index++, random));
            }
        }

        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(cases));
        results.AddRange(await SendAllAsync(world, cases));
        var fuzzTime = clock.Elapsed;
        if (Environment.GetEnvironmentVariable("FUZZ_DUMP") is { Length: > 0 } dump)
        {
            await File.WriteAllLinesAsync(dump, results.Select(r => $"{r.Request.Describe()}\n    → {r.Status} {r.ContentType}: {FuzzRequest.Truncate(r.Body, 400)}"), TestContext.Current.CancellationToken);
        }

        var failures = new List<(string Group, string Example)>();
        foreach (var result in results)
        {
            if (Verdict(result) is { } problem)
            {
                failures.Add(($"{result.Request.Operation} → {problem}", $"{result.Request.Describe()}\n    → {(result.Exception is { } e ? FuzzRequest.Truncate(e.ToString(), 1200) : $"{result.Status} {result.ContentType}: {FuzzRequest.Truncate(result.Body, 300)}")}"));
            }
        }

        failures.AddRange((await UnexplainedBalanceChangesAsync(world, balancesBefore, results)).Select(change => ("balance change no 2xx explains", change)));
        var verify = await (await world.AdminCaller.Client.GetAsync("/v1/admin/ledger/verify", TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK);
        if (!verify.GetProperty("ok").GetBoolean())
        {
            failures.Add(("ledger verification", verify.GetRawText()));
        }

        foreach (var entry in app.Log.Since(started, LogLevel.Error))
        {
            var exception = entry.Exception is null ? "" : $"{entry.Exception.GetType().Name}: {FirstLine(entry.Exception.Message)}";
            failures.Add(($"error logged by {entry.Category}: {exception}",
                $"{FuzzRequest.Truncate(FirstLine(entry.Message), 200)}\n    scope: {FuzzRequest.Truncate(entry.Scope, 400)}\n    {FuzzRequest.Truncate(entry.Exception?.ToString() ?? "", 900)}"));
        }

        var fuzzed = results.GroupBy(result => result.Request.Operation).ToDictionary(group => group.Key, group => group.Count());
        var summary = Summary(seed, results, fuzzTime, clock.Elapsed);
        TestContext.Current.TestOutputHelper?.WriteLine(summary);

        Assert.Equal(operations.Count, fuzzed.Count);
        Assert.All(operations, operation => Assert.True(fuzzed.GetValueOrDefault(operation) >= MinimumCasesPerOperation, $"{operation} got only {fuzzed.GetValueOrDefault(operation)} cases."));
        Assert.True(failures.Count == 0, Report(seed, summary, failures));
    }

    /// <summary>What is wrong with this answer, or null when nothing is.</summary>
    private static string? Verdict(FuzzResult result)
    {
        if (result.RefusedByServer)
        {
            return null;
        }

        if (result.Exception is not null)
        {
            return $"exception {result.Exception.GetType().Name}";
        }

        if (result.Status is < 200 or (>= 300 and < 400) or >= 500)
        {
            return result.Status.ToString(CultureInfo.InvariantCulture);
        }

        if (result.Status >= 400 && !IsProblemDetails(result) && !(AcceptsForm(result.Request.Operation) && IsOAuthError(result)))
        {
            return $"{result.Status} not problem details";
        }

        return null;
    }

    /// <summary>The OAuth endpoints (the ones that take forms) answer with RFC 6749 error bodies.</summary>
    private static bool AcceptsForm(OpenApiOperation operation) =>
        operation.BodyMediaTypes.Keys.Any(media => media.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase));

    private static bool IsProblemDetails(FuzzResult result) =>
        result.ContentType == "application/problem+json"
        && Json(result.Body) is { ValueKind: JsonValueKind.Object } problem
        && problem.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.Number && status.GetInt32() == result.Status
        && problem.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String;

    private static bool IsOAuthError(FuzzResult result) =>
        result.ContentType == "application/json"
        && Json(result.Body) is { ValueKind: JsonValueKind.Object } error
        && error.TryGetProperty("error", out var code) && code.ValueKind == JsonValueKind.String;

    private static JsonElement? Json(string body)
    {
        try
        {
            return JsonDocument.Parse(body).RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Each account's change in posted and pending amounts, against what the transfers that 2xx
    /// answers to unsafe requests reported (each transfer once, in the furthest state any answer
    /// gave it; the run's starting holds count from their pending state).
    /// </summary>
    private static async Task<List<string>> UnexplainedBalanceChangesAsync(FuzzWorld world, List<LedgerBalance> before, IReadOnlyList<FuzzResult> results)
    {
        var problems = new List<string>();
        var reported = new Dictionary<string, JsonElement>();
        foreach (var result in results.Where(r => r.Status is >= 200 and < 300 && r.Request.Method != "GET"))
        {
            foreach (var transfer in Json(result.Body) is { } body ? TransfersIn(body) : [])
            {
                var id = transfer.GetProperty("id").GetString()!;
                if (reported.TryGetValue(id, out var earlier) && earlier.Status() != transfer.Status())
                {
                    var settled = (earlier.Status(), transfer.Status());
                    if (settled is ("posted" or "voided", "posted" or "voided"))
                    {
                        problems.Add($"transfer {id} was reported both {settled.Item1} and {settled.Item2} (#{result.Request.Index})");
                    }

                    if (earlier.Status() != "pending")
                    {
                        continue;
                    }
                }

                reported[id] = transfer;
            }
        }

        var expected = new Dictionary<string, (long Posted, long PendingDebits, long PendingCredits)>();
        void Add(string account, long posted, long pendingDebits, long pendingCredits)
        {
            var (p, d, c) = expected.GetValueOrDefault(account);
            expected[account] = (p + posted, d + pendingDebits, c + pendingCredits);
        }

        void Apply(JsonElement transfer, int sign)
        {
            var (from, to) = (transfer.GetProperty("fromAccountId").GetString()!, transfer.GetProperty("toAccountId").GetString()!);
            var (amount, captured) = (sign * transfer.GetProperty("amount").GetInt64(), sign * transfer.GetProperty("capturedAmount").GetInt64());
            if (transfer.Status() == "posted")
            {
                Add(from, -captured, 0, 0);
                Add(to, captured, 0, 0);
            }
            else if (transfer.Status() == "pending")
            {
                Add(from, 0, amount, 0);
                Add(to, 0, 0, amount);
            }
        }

        foreach (var (id, transfer) in reported)
        {
            if (world.PendingHolds.TryGetValue(id, out var hold))
            {
                Apply(hold, -1);
            }

            Apply(transfer, +1);
        }

        var after = await world.AdminCaller.BalancesSnapshotAsync();
        var start = before.ToDictionary(row => row.AccountId);
        foreach (var row in after)
        {
            var was = start.GetValueOrDefault(row.AccountId) ?? row with { Posted = 0, PendingDebits = 0, PendingCredits = 0 };
            var actual = (row.Posted - was.Posted, row.PendingDebits - was.PendingDebits, row.PendingCredits - was.PendingCredits);
            var explained = expected.GetValueOrDefault(row.AccountId);
            if (actual != explained)
            {
                problems.Add($"{row.AccountId} ({row.Kind}, owner {row.OwnerId ?? "none"}): changed by (posted, pending debits, pending credits) {actual}, 2xx answers explain {explained}");
            }
        }

        return problems;
    }

    /// <summary>Every transfer-shaped object in a response body, at any depth.</summary>
    private static IEnumerable<JsonElement> TransfersIn(JsonElement json) => json.ValueKind switch
    {
        JsonValueKind.Object when json.TryGetProperty("fromAccountId", out _) && json.TryGetProperty("capturedAmount", out _) && json.TryGetProperty("status", out _) => [json],
        JsonValueKind.Object => json.EnumerateObject().SelectMany(member => TransfersIn(member.Value)),
        JsonValueKind.Array => json.EnumerateArray().SelectMany(TransfersIn),
        _ => [],
    };

    private async Task<FuzzResult[]> SendAllAsync(FuzzWorld world, List<FuzzRequest> requests)
    {
        var results = new FuzzResult[requests.Count];
        await Parallel.ForAsync(0, requests.Count, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = TestContext.Current.CancellationToken },
            async (i, cancellationToken) => results[i] = await SendAsync(world, requests[i], cancellationToken));
        return results;
    }

    /// <summary>
    /// Straight into the test server as an <see cref="HttpContext"/>: HttpClient would tidy away what
    /// the fuzzer means to send (dot segments, repeated or invalid headers, a body without a content type).
    /// The path is decoded as Kestrel decodes it (all but <c>%2F</c>), and the raw target kept.
    /// </summary>
    private async Task<FuzzResult> SendAsync(FuzzWorld world, FuzzRequest fuzz, CancellationToken cancellationToken)
    {
        var query = fuzz.PathAndQuery.IndexOf('?', StringComparison.Ordinal);
        PathString path;
        try
        {
            path = PathString.FromUriComponent(query < 0 ? fuzz.PathAndQuery : fuzz.PathAndQuery[..query]);
        }
        catch (InvalidOperationException)
        {
            // A NUL in the decoded path: Kestrel answers 400 itself and the application never sees the request.
            return new FuzzResult(fuzz, StatusCodes.Status400BadRequest, null, "", null, RefusedByServer: true);
        }

        try
        {
            var context = await app.Factory.Server.SendAsync(context =>
            {
                var request = context.Request;
                request.Method = fuzz.Method;
                request.Path = path;
                request.QueryString = query < 0 ? QueryString.Empty : new QueryString(fuzz.PathAndQuery[query..]);
                context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget = fuzz.PathAndQuery;
                var token = world.Token(fuzz.Identity);
                if (fuzz.SendsIdentityToken && token.Length > 0)
                {
                    request.Headers.Authorization = $"Bearer {token}";
                }

                foreach (var (name, value) in fuzz.Headers)
                {
                    request.Headers.Append(name, value.Replace("{token}", token, StringComparison.Ordinal));
                }

                if (fuzz.Body is not null)
                {
                    request.Body = new MemoryStream(fuzz.Body);
                    // The test server reads bodies through its own pipe, and says whether there is one; these say the stream just set.
                    context.Features.Set<IRequestBodyPipeFeature>(new RequestBodyPipeFeature(context));
                    context.Features.Set<IHttpRequestBodyDetectionFeature>(new HasBody());
                    request.ContentLength = fuzz.Body.Length;
                    if (fuzz.ContentType is not null)
                    {
                        request.Headers.ContentType = fuzz.ContentType;
                    }
                }
            }, cancellationToken);
            using var reader = new StreamReader(context.Response.Body);
            var body = await reader.ReadToEndAsync(cancellationToken);
            var mediaType = MediaTypeHeaderValue.TryParse(context.Response.ContentType, out var parsed) ? parsed.MediaType : context.Response.ContentType;
            return new FuzzResult(fuzz, context.Response.StatusCode, mediaType, body, null);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new FuzzResult(fuzz, 0, null, "", exception);
        }
    }

    private static string Summary(int seed, IReadOnlyList<FuzzResult> results, TimeSpan fuzzTime, TimeSpan total)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"seed {seed} (FUZZ_SEED): {results.Count} requests over {results.Select(r => r.Request.Operation).Distinct().Count()} operations in {fuzzTime.TotalSeconds:0.0} s ({total.TotalSeconds:0.0} s with the checks); ");
        text.Append(CultureInfo.InvariantCulture, $"{results.Count(r => r.RefusedByServer)} refused by the server before the application (NUL in the path)\n");
        foreach (var operation in results.GroupBy(r => r.Request.Operation).OrderBy(g => g.Key.PathTemplate, StringComparer.Ordinal).ThenBy(g => g.Key.Method, StringComparer.Ordinal))
        {
            var statuses = operation.GroupBy(r => r.Status).OrderBy(g => g.Key).Select(g => $"{g.Key}×{g.Count()}");
            text.Append(CultureInfo.InvariantCulture, $"  {operation.Key,-48} {string.Join(' ', statuses)}\n");
        }

        return text.ToString();
    }

    private static string Report(int seed, string summary, List<(string Group, string Example)> failures)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{failures.Count} failure(s) in {failures.Select(f => f.Group).Distinct().Count()} group(s); replay with FUZZ_SEED={seed}.\n\n");
        foreach (var group in failures.GroupBy(f => f.Group).OrderByDescending(g => g.Count()))
        {
            text.Append(CultureInfo.InvariantCulture, $"== {group.Key} ({group.Count()}×)\n");
            foreach (var (_, example) in group.Take(ExamplesPerGroup))
            {
                text.Append("  ").Append(example).Append('\n');
            }
        }

        return text.Append('\n').Append(summary).ToString();
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].TrimEnd('\r');

    private sealed class HasBody : IHttpRequestBodyDetectionFeature
    {
        public bool CanHaveBody => true;
    }

    /// <summary>An answer; <paramref name="RefusedByServer"/> when the server itself (not the application) would refuse the request.</summary>
    private sealed record FuzzResult(FuzzRequest Request, int Status, string? ContentType, string Body, Exception? Exception, bool RefusedByServer = false);
}
