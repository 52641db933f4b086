using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Strongroom.Features.Ledger;
using Strongroom.Infrastructure.Http;

namespace Strongroom.Api.Hosting;

/// <summary>
/// The response headers a client may rely on, each described once under components/headers and
/// referenced from the responses that carry it: <c>Location</c> on every 201 and 202,
/// <c>Retry-After</c> on every 429 and on the 503s that say when to retry, <c>WWW-Authenticate</c>
/// on the bearer 401, <c>Idempotency-Replayed</c> on everything a money-moving operation answers,
/// and whatever an endpoint declares with <see cref="SendsHeader"/>.
/// </summary>
public static class ApiDocsHeaders
{
    private static readonly Dictionary<string, OpenApiHeader> Headers = new()
    {
        [ResponseHeaders.Location] = new()
        {
            Required = true,
            Description = "The path of the resource this request created.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uri-reference" },
        },
        [ResponseHeaders.RetryAfter] = new()
        {
            Required = true,
            Description = "How many seconds to wait before retrying (RFC 9110 §10.2.3).",
            Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "0" },
        },
        [ResponseHeaders.WwwAuthenticate] = new()
        {
            Required = true,
            Description = "The authentication scheme to use, with the reason the token was refused (RFC 6750 §3).",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
        },
        [ResponseHeaders.IdempotencyReplayed] = new()
        {
            Description = "Present (true) when this is the stored answer to an earlier request with the same Idempotency-Key: nothing was applied again.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [System.Text.Json.Nodes.JsonValue.Create("true")] },
        },
        [ResponseHeaders.PreferenceApplied] = new()
        {
            Description = "The preferences of the request's Prefer header that were honoured (RFC 7240 §3): respond-async on a 202 Accepted.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [System.Text.Json.Nodes.JsonValue.Create("respond-async")] },
        },
        [ResponseHeaders.CacheStatus] = new()
        {
            Required = true,
            Description = "How the answer was served (RFC 9211): hit, stale (the database is unavailable) or fwd=miss.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
        },
        [ResponseHeaders.CacheControl] = new()
        {
            Required = true,
            Description = "no-store: tokens and their errors must never be cached (RFC 6749 §5.1).",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
        },
    };

    public static Task AddComponents(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Headers ??= new Dictionary<string, IOpenApiHeader>();
        foreach (var (name, header) in Headers)
        {
            document.Components.Headers[name] = header;
        }

        return Task.CompletedTask;
    }

    public static void Add(OpenApiOperation operation, IList<object> metadata, OpenApiDocument? document)
    {
        var movesMoney = metadata.OfType<IdempotentOperation>().Any();
        var declared = metadata.OfType<SendsHeader>().ToList();
        var noLocation = metadata.OfType<NoLocationHeader>().Any();
        foreach (var (status, answer) in operation.Responses ?? [])
        {
            if (answer is not OpenApiResponse response)
            {
                continue;
            }

            if (status is "201" or "202")
            {
                Put(response, ResponseHeaders.Location, required: !noLocation, document);
            }

            if (status == "429" || (status == "503" && response.Content?.ContainsKey(ApiDocsProblems.MediaType) == true))
            {
                Put(response, ResponseHeaders.RetryAfter, required: true, document);
            }

            if (status == "401" && operation.Security is { Count: > 0 })
            {
                Put(response, ResponseHeaders.WwwAuthenticate, required: true, document);
            }

            if (movesMoney)
            {
                Put(response, ResponseHeaders.IdempotencyReplayed, required: false, document);
            }

            foreach (var header in declared.Where(h => h.Statuses.Length == 0 || h.Statuses.Any(s => s.ToString(System.Globalization.CultureInfo.InvariantCulture) == status)))
            {
                Put(response, header.Name, header.Required, document);
            }
        }
    }

    private static void Put(OpenApiResponse response, string name, bool required, OpenApiDocument? document)
    {
        response.Headers ??= new Dictionary<string, IOpenApiHeader>();
        // The component says whether the header is usually required; where one response differs,
        // it gets the component's description and schema inline.
        var component = Headers[name];
        response.Headers[name] = component.Required == required
            ? new OpenApiHeaderReference(name, document)
            : new OpenApiHeader { Description = component.Description, Required = required, Schema = component.Schema };
    }
}
