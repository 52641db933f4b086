using System.Text.Json;

namespace Strongroom.Api.Tests.Support;

/// <summary>One parameter of an operation, as the OpenAPI document declares it (<c>in</c>: path, query or header).</summary>
public sealed record OpenApiParameter(string Name, string In, bool Required, JsonElement Schema);

/// <summary>One path and method of the document, with its parameters and the request body's media types and schemas.</summary>
public sealed record OpenApiOperation(
    string Method,
    string PathTemplate,
    string Id,
    bool IsAnonymous,
    IReadOnlyList<OpenApiParameter> Parameters,
    IReadOnlyDictionary<string, JsonElement> BodyMediaTypes,
    bool BodyRequired)
{
    public override string ToString() => $"{Method} {PathTemplate}";

    public IEnumerable<OpenApiParameter> In(string location) => Parameters.Where(parameter => parameter.In == location);
}

/// <summary>
/// Reads the service's OpenAPI 3.1 document into operations, and answers the questions a request
/// builder asks of a schema (resolving <c>$ref</c>, and the nullable and one-of forms the document uses).
/// </summary>
public sealed class OpenApiDocument(JsonElement root)
{
    public static readonly string[] HttpMethods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

    public JsonElement Root { get; } = root;

    public IReadOnlyList<OpenApiOperation> Operations()
    {
        var operations = new List<OpenApiOperation>();
        foreach (var path in Root.GetProperty("paths").EnumerateObject())
        {
            var shared = path.Value.TryGetProperty("parameters", out var common) ? common.EnumerateArray().ToList() : [];
            foreach (var entry in path.Value.EnumerateObject().Where(entry => HttpMethods.Contains(entry.Name)))
            {
                var operation = entry.Value;
                var parameters = shared
                    .Concat(operation.TryGetProperty("parameters", out var own) ? own.EnumerateArray() : [])
                    .Select(Resolve)
                    .Select(parameter => new OpenApiParameter(
                        parameter.GetProperty("name").GetString()!,
                        parameter.GetProperty("in").GetString()!,
                        parameter.TryGetProperty("required", out var required) && required.GetBoolean(),
                        parameter.TryGetProperty("schema", out var schema) ? schema : default))
                    .ToList();
                var media = new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase);
                var bodyRequired = false;
                if (operation.TryGetProperty("requestBody", out var body))
                {
                    body = Resolve(body);
                    bodyRequired = body.TryGetProperty("required", out var r) && r.GetBoolean();
                    foreach (var content in body.GetProperty("content").EnumerateObject())
                    {
                        media[content.Name] = content.Value.TryGetProperty("schema", out var schema) ? schema : default;
                    }
                }

                operations.Add(new OpenApiOperation(
                    entry.Name.ToUpperInvariant(),
                    path.Name,
                    operation.TryGetProperty("operationId", out var id) ? id.GetString()! : $"{entry.Name.ToUpperInvariant()} {path.Name}",
                    IsAnonymous: !operation.TryGetProperty("security", out var security) || security.GetArrayLength() == 0,
                    parameters,
                    media,
                    bodyRequired));
            }
        }

        return operations;
    }

    /// <summary>Follows <c>$ref</c> (to any depth) to the schema it names.</summary>
    public JsonElement Resolve(JsonElement schema)
    {
        for (var hops = 0; schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("$ref", out var reference); hops++)
        {
            if (hops > 32)
            {
                throw new InvalidOperationException($"$ref cycle at {reference}.");
            }

            var target = Root;
            foreach (var segment in reference.GetString()!.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                target = target.GetProperty(segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal));
            }

            schema = target;
        }

        return schema;
    }

    /// <summary>The schema with <c>$ref</c> resolved and a one-of/any-of reduced to its first branch that is not just null.</summary>
    public JsonElement Concrete(JsonElement schema)
    {
        schema = Resolve(schema);
        foreach (var keyword in (string[])["oneOf", "anyOf"])
        {
            if (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty(keyword, out var branches))
            {
                var branch = branches.EnumerateArray().Select(Resolve).FirstOrDefault(b => !Types(b).SequenceEqual(["null"]));
                return branch.ValueKind == JsonValueKind.Undefined ? schema : Concrete(branch);
            }
        }

        return schema;
    }

    /// <summary>The JSON types a schema allows (<c>type</c> as a string or a list); "object" when it only has properties.</summary>
    public static IReadOnlyList<string> Types(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return [];
        }

        if (schema.TryGetProperty("type", out var type))
        {
            return type.ValueKind == JsonValueKind.Array ? [.. type.EnumerateArray().Select(t => t.GetString()!)] : [type.GetString()!];
        }

        return schema.TryGetProperty("properties", out _) ? ["object"] : [];
    }

    /// <summary>The main type of a schema: the first allowed type that is not null (integer before string for "integer or numeric string").</summary>
    public string MainType(JsonElement schema)
    {
        var concrete = Concrete(schema);
        var types = Types(concrete).Where(t => t != "null").ToList();
        return types.Contains("integer") ? "integer" : types.Contains("number") ? "number" : types.FirstOrDefault() ?? "string";
    }

    public bool IsNullable(JsonElement schema)
    {
        schema = Resolve(schema);
        return Types(schema).Contains("null")
            || (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("oneOf", out var branches)
                && branches.EnumerateArray().Any(b => Types(Resolve(b)).Contains("null")));
    }

    public static string? Format(JsonElement schema) =>
        schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("format", out var format) ? format.GetString() : null;
}
