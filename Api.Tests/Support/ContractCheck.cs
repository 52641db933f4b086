using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Json.Schema;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace Strongroom.Api.Tests.Support;

/// <summary>
/// Every test host checks every answer it gives against the OpenAPI document it serves: the
/// status must be documented for the operation (matched by method and path template, so a new
/// endpoint cannot slip past), the headers the document marks required must be there, and the body
/// must be of a documented media type and valid against its schema (JSON Schema 2020-12, as OpenAPI
/// 3.1 says). A path the document does not know may only be answered 404 or 405. A mismatch throws
/// <see cref="ContractViolationException"/>, which the in-memory test server hands to the test's
/// request. What was checked is counted in TestResults/contract-coverage.txt.
/// </summary>
public sealed class ContractCheckStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        var contract = new Lazy<Task<Contract>>(() => Contract.LoadAsync(app.ApplicationServices));
        // The test server hands an exception to the request that caused it; over a socket it would be a bare 500.
        var inMemory = app.ApplicationServices.GetService<IServer>() is TestServer;
        app.Use(async (context, following) =>
        {
            if (Contract.IsExempt(context.Request))
            {
                await following(context);
                return;
            }

            var original = context.Response.Body;
            await using var buffer = new MemoryStream();
            context.Response.Body = buffer;
            try
            {
                await following(context);
            }
            finally
            {
                context.Response.Body = original;
            }

            if (!context.RequestAborted.IsCancellationRequested)
            {
                try
                {
                    (await contract.Value).Check(context, buffer.ToArray());
                }
                catch (ContractViolationException violation) when (!inMemory && !context.Response.HasStarted)
                {
                    context.Response.Clear();
                    context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                    context.Response.ContentType = "text/plain; charset=utf-8";
                    await context.Response.WriteAsync(violation.Message, context.RequestAborted);
                    return;
                }
            }

            buffer.Position = 0;
            await buffer.CopyToAsync(original, context.RequestAborted);
        });
        next(app);
    };
}

public sealed class ContractViolationException(string message) : Exception(message);

public sealed partial class Contract
{
    private static readonly ConcurrentDictionary<string, JsonSchema> Schemas = new();
    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.List };

    private readonly OpenApiDocument _document;
    private readonly List<(string Method, string Template, Regex Path, int Literals, JsonElement Operation)> _operations = [];
    private readonly string _definitions;

    private Contract(JsonElement root)
    {
        _document = new OpenApiDocument(root);
        foreach (var path in root.GetProperty("paths").EnumerateObject())
        {
            var segments = path.Name.Trim('/').Split('/');
            var pattern = "^/" + string.Join('/', segments.Select(s => s.StartsWith('{') ? "[^/]+" : Regex.Escape(s))) + "$";
            foreach (var operation in path.Value.EnumerateObject().Where(o => OpenApiDocument.HttpMethods.Contains(o.Name)))
            {
                _operations.Add((operation.Name.ToUpperInvariant(), path.Name, new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant),
                    segments.Count(s => !s.StartsWith('{')), operation.Value));
            }
        }

        _definitions = root.GetProperty("components").TryGetProperty("schemas", out var schemas) ? Rebase(schemas.GetRawText()) : "{}";
        Coverage.Know(_operations.Select(o => (Key(o.Method, o.Template), o.Operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToList())));
    }

    /// <summary>The documents themselves, the Prometheus scrape (served on its own port only) and a browser's CORS preflight are not operations of the API.</summary>
    public static bool IsExempt(HttpRequest request) =>
        request.Path.StartsWithSegments("/openapi") || request.Path.StartsWithSegments("/scalar") || request.Path.StartsWithSegments("/metrics")
        || (HttpMethods.IsOptions(request.Method) && request.Headers.ContainsKey("Access-Control-Request-Method"));

    public static async Task<Contract> LoadAsync(IServiceProvider services)
    {
        var document = await services.GetRequiredKeyedService<IOpenApiDocumentProvider>("v1").GetOpenApiDocumentAsync();
        using var stream = new MemoryStream();
        await document.SerializeAsJsonAsync(stream, OpenApiSpecVersion.OpenApi3_1);
        return new Contract(JsonDocument.Parse(stream.ToArray()).RootElement.Clone());
    }

    public void Check(HttpContext context, byte[] body)
    {
        var method = context.Request.Method;
        var path = context.Request.Path.Value is { Length: > 1 } p ? p.TrimEnd('/') : "/";
        var status = context.Response.StatusCode;
        var candidates = _operations.Where(o => o.Path.IsMatch(path)).ToList();
        var operation = candidates.Where(o => o.Method == method).OrderByDescending(o => o.Literals).Select(o => (Found: true, o.Template, o.Operation)).FirstOrDefault();
        if (!operation.Found)
        {
            // Not an operation of the document: only "no such resource" or "not that method" may answer,
            // or the refusals of a declared body that every request gets before it is routed.
            if (status is not (StatusCodes.Status404NotFound or StatusCodes.Status405MethodNotAllowed
                or StatusCodes.Status413PayloadTooLarge or StatusCodes.Status415UnsupportedMediaType))
            {
                Fail(context, body, $"{method} {path} is not in the document, yet was answered {status}.");
            }

            var refusal = CheckProblem(context, body);
            if (refusal.Count > 0)
            {
                Fail(context, body, string.Join("\n", refusal));
            }

            Coverage.Record(candidates.Count > 0 ? "(method not documented for path)" : "(path not documented)", status.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return;
        }

        var key = Key(method, operation.Template);
        var responses = operation.Operation.GetProperty("responses");
        var code = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!responses.TryGetProperty(code, out var response) && !responses.TryGetProperty($"{code[0]}XX", out response) && !responses.TryGetProperty("default", out response))
        {
            Fail(context, body, $"{key} answered {status}, which its responses ({string.Join(", ", responses.EnumerateObject().Select(r => r.Name))}) do not list.");
        }

        response = _document.Resolve(response);
        var problems = new List<string>();
        if (response.TryGetProperty("headers", out var headers))
        {
            foreach (var header in headers.EnumerateObject())
            {
                var declared = _document.Resolve(header.Value);
                if (declared.TryGetProperty("required", out var required) && required.GetBoolean() && !context.Response.Headers.ContainsKey(header.Name))
                {
                    problems.Add($"the required header {header.Name} is missing");
                }
            }
        }

        problems.AddRange(CheckBody(context, body, response));
        if (problems.Count > 0)
        {
            Fail(context, body, $"{key} answered {status}: " + string.Join("; ", problems));
        }

        Coverage.Record(key, code);
    }

    private static string Key(string method, string template) => $"{method} {template}";

    private List<string> CheckProblem(HttpContext context, byte[] body)
    {
        if (body.Length == 0)
        {
            return [];
        }

        var media = MediaType(context);
        return media == "application/problem+json"
            ? Validate("{\"$ref\":\"#/$defs/Problem\"}", body)
            : [$"the body is {media ?? "untyped"}, not a Problem (application/problem+json)"];
    }

    private IEnumerable<string> CheckBody(HttpContext context, byte[] body, JsonElement response)
    {
        var documented = response.TryGetProperty("content", out var content) ? content.EnumerateObject().ToDictionary(c => c.Name, c => c.Value, StringComparer.OrdinalIgnoreCase) : [];
        if (body.Length == 0)
        {
            if (documented.Count > 0 && !HttpMethods.IsHead(context.Request.Method))
            {
                yield return $"the document gives a body ({string.Join(", ", documented.Keys)}), the service sent none";
            }

            yield break;
        }

        var media = MediaType(context);
        if (documented.Count == 0)
        {
            yield return $"the document gives no body, the service sent {body.Length} bytes of {media ?? "untyped"}";
            yield break;
        }

        if (media is null || !documented.TryGetValue(media, out var described))
        {
            yield return $"the body is {media ?? "untyped"}, the document gives {string.Join(", ", documented.Keys)}";
            yield break;
        }

        if (described.TryGetProperty("schema", out var schema) && (media.EndsWith("json", StringComparison.Ordinal)))
        {
            foreach (var error in Validate(Rebase(schema.GetRawText()), body))
            {
                yield return error;
            }
        }
    }

    private List<string> Validate(string schemaText, byte[] body)
    {
        JsonElement instance;
        try
        {
            instance = JsonDocument.Parse(body).RootElement.Clone();
        }
        catch (JsonException e)
        {
            return [$"the body is not JSON: {e.Message}"];
        }

        var text = $"{{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"$defs\":{_definitions},\"allOf\":[{schemaText}]}}";
        var schema = Schemas.GetOrAdd(text, t => JsonSchema.FromText(t, baseUri: new Uri($"https://strongroom.test/contract/{Guid.NewGuid():N}")));
        var result = schema.Evaluate(instance, Evaluation);
        return result.IsValid
            ? []
            : [.. (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(e => $"at {d.InstanceLocation} ({d.EvaluationPath}): {e.Value}"))
                .Distinct().Take(10)];
    }

    private static string? MediaType(HttpContext context) =>
        context.Response.ContentType is { } type ? type.Split(';')[0].Trim().ToLowerInvariant() : null;

    private static string Rebase(string json) => json.Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal);

    private static void Fail(HttpContext context, byte[] body, string message)
    {
        var excerpt = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 600));
        var full = $"Contract violation: {message}\nRequest: {context.Request.Method} {context.Request.Path}{context.Request.QueryString}\nResponse: {context.Response.StatusCode} {context.Response.ContentType}\n{excerpt}";
        // The violations ContractCheckTests provoke on purpose are not the suite's.
        if (!context.Request.Headers.ContainsKey(AppWithRogueAnswers.Header))
        {
            Coverage.Violation(full);
        }

        throw new ContractViolationException(full);
    }
}

/// <summary>Which (operation, status) pairs the suite saw answered as documented, written as they come.</summary>
public static class Coverage
{
    private static readonly Lock Gate = new();
    private static readonly SortedDictionary<string, SortedDictionary<string, int>> Seen = new(StringComparer.Ordinal);
    private static readonly SortedDictionary<string, List<string>> Documented = new(StringComparer.Ordinal);
    private static readonly List<string> Violations = [];

    private static string FilePath => Path.Combine(AppContext.BaseDirectory, "TestResults", "contract-coverage.txt");

    public static void Know(IEnumerable<(string Operation, List<string> Statuses)> operations)
    {
        lock (Gate)
        {
            foreach (var (operation, statuses) in operations)
            {
                Documented.TryAdd(operation, statuses);
            }
        }
    }

    public static void Record(string operation, string status)
    {
        lock (Gate)
        {
            if (!Seen.TryGetValue(operation, out var statuses))
            {
                Seen[operation] = statuses = new SortedDictionary<string, int>(StringComparer.Ordinal);
            }

            var first = !statuses.ContainsKey(status);
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            if (first)
            {
                Write();
            }
        }
    }

    public static void Violation(string message)
    {
        lock (Gate)
        {
            Violations.Add(message);
            Write();
        }
    }

    private static void Write()
    {
        var documentedResponses = Documented.Sum(o => o.Value.Count);
        var coveredOperations = Documented.Keys.Count(Seen.ContainsKey);
        var coveredResponses = Documented.Sum(o => o.Value.Count(status => Seen.TryGetValue(o.Key, out var s) && s.ContainsKey(status)));
        var text = new StringBuilder()
            .AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"Checked against the document: {coveredOperations} of {Documented.Count} operations, {coveredResponses} of {documentedResponses} documented (operation, status) responses; {Seen.Values.Sum(s => s.Values.Sum())} responses; {Violations.Count} violations.")
            .AppendLine();
        foreach (var (operation, statuses) in Documented)
        {
            var seen = Seen.GetValueOrDefault(operation);
            text.AppendLine(operation + ": " + string.Join(" ", statuses.Select(s => seen?.TryGetValue(s, out var n) == true ? $"{s}×{n}" : $"({s})")));
        }

        foreach (var (operation, statuses) in Seen.Where(s => !Documented.ContainsKey(s.Key)))
        {
            text.AppendLine(operation + ": " + string.Join(" ", statuses.Select(s => $"{s.Key}×{s.Value}")));
        }

        foreach (var violation in Violations)
        {
            text.AppendLine().AppendLine(violation);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        File.WriteAllText(FilePath, text.ToString());
    }
}
