using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;
using Strongroom.Features.Ledger;
using Strongroom.Infrastructure.Http;

namespace Strongroom.Api.Hosting;

/// <summary>
/// Every error of the API is one schema, <c>Problem</c>: RFC 9457 problem details with the stable
/// <c>code</c> and the <c>traceId</c> every error carries, <c>errors</c> on validation failures and
/// <c>index</c> on a batch item. The generator would describe <c>ProblemDetails</c> and
/// <c>HttpValidationProblemDetails</c> closed (<c>additionalProperties: false</c>, from the global
/// <c>UnmappedMemberHandling.Disallow</c>), which hides exactly the members a client switches on.
/// </summary>
public static class ApiDocsProblems
{
    public const string SchemaId = "Problem";
    public const string MediaType = "application/problem+json";

    /// <summary>The generator's schemas for the framework's problem types, replaced everywhere by <see cref="SchemaId"/>.</summary>
    private static readonly string[] FrameworkSchemas = ["ProblemDetails", "HttpValidationProblemDetails"];

    public static OpenApiResponse Response(string description, OpenApiDocument? document) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType> { [MediaType] = new() { Schema = new OpenApiSchemaReference(SchemaId, document) } },
    };

    /// <summary>
    /// The refusals the service's middleware answers for an endpoint whatever its handler does: a
    /// body too large (413) or of a media type or charset it cannot read (415), on every request; the rate
    /// limit (429) wherever one applies; an unavailable database (503) everywhere but liveness; and
    /// an unforeseen fault (500) everywhere.
    /// </summary>
    public static void AddServiceRefusals(OpenApiOperation operation, IList<object> metadata, OpenApiDocument? document)
    {
        operation.Responses ??= [];
        // Checked on every request before it is routed, body or not: a declared Content-Length over
        // the limit, or a Content-Type that cannot be read (another charset than UTF-8; for an
        // operation with a body, another media type than the one it reads).
        operation.Responses.TryAdd("413", Response("The declared body is larger than Api:MaxRequestBodyBytes.", document));
        operation.Responses.TryAdd("415", Response(operation.RequestBody is null
            ? "The request declares a Content-Type that cannot be read (a charset other than UTF-8)."
            : "The body's Content-Type is not one this operation reads, or its charset is not UTF-8.", document));

        if (metadata.OfType<EnableRateLimitingAttribute>().Any())
        {
            operation.Responses.TryAdd("429", Response("Rate limited: retry after the seconds in Retry-After.", document));
        }

        if (metadata.OfType<IdempotentOperation>().Any() || !metadata.OfType<LivenessProbe>().Any())
        {
            operation.Responses.TryAdd("503", Response("The database or the ledger is unavailable; nothing was applied. Retry after the seconds in Retry-After.", document));
        }

        // A fault nobody foresaw: a bare problem with the trace id, nothing of the exception.
        operation.Responses.TryAdd("500", Response("An unexpected fault; the problem carries only the traceId to report.", document));

        foreach (var response in operation.Responses.Values.OfType<OpenApiResponse>())
        {
            foreach (var media in response.Content?.Values ?? [])
            {
                if (media.Schema is OpenApiSchemaReference { Reference.Id: { } id } && FrameworkSchemas.Contains(id))
                {
                    media.Schema = new OpenApiSchemaReference(SchemaId, document);
                }
            }
        }
    }

    /// <summary>Adds <c>Problem</c> and drops the framework schemas nothing refers to any more.</summary>
    public static Task UseOneProblemSchema(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        foreach (var id in FrameworkSchemas)
        {
            document.Components.Schemas.Remove(id);
        }

        document.Components.Schemas[SchemaId] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "RFC 9457 problem details. Clients switch on `code`, never on `title` or `detail`; `traceId` names the request in the service's logs and traces. Further members may appear (RFC 9457 extensions).",
            // type may be absent: RFC 9457 §4.2.1 reads that as about:blank, with the status's reason phrase as the title.
            Required = new HashSet<string> { "title", "status", ApiProblems.CodeKey, ApiProblems.TraceIdKey },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "A URI reference that identifies the problem type." },
                ["title"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "A short summary of the problem type." },
                ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "400", Maximum = "599", Description = "The HTTP status code." },
                ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "What went wrong with this request, for people." },
                ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "A URI reference that identifies this occurrence." },
                [ApiProblems.CodeKey] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Pattern = "^[a-z][a-z0-9_]*$",
                    Description = "The stable, machine-readable reason: insufficient_funds, idempotency_key_reused, validation_failed, …",
                    Examples = [JsonValue.Create("insufficient_funds")],
                },
                [ApiProblems.TraceIdKey] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The W3C trace id of the request." },
                ["errors"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Description = "On validation failures (code validation_failed): the messages per request member, named as the request spells them.",
                    AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
                },
                ["index"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Integer,
                    Format = "int32",
                    Minimum = "0",
                    Description = "On a refused batch: the zero-based position of the transfer that was refused.",
                },
            },
        };
        return Task.CompletedTask;
    }
}

/// <summary>Endpoint metadata: a liveness probe, which answers without the database.</summary>
public sealed record LivenessProbe;
