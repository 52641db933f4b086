using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;

namespace Strongroom.Infrastructure.Http;

/// <summary>
/// What a request body must look like before any endpoint reads it: one well-formed
/// <c>Content-Type</c>, in UTF-8 when it names a charset (RFC 8259 §8.1 for JSON; our forms too).
/// Anything else is the client's mistake, answered 415 here instead of failing deep inside a
/// reader with an unknown encoding (a 500).
/// </summary>
public static class RequestBodies
{
    public static IApplicationBuilder UseRequestBodyChecks(this IApplicationBuilder app) =>
        app.Use((context, next) =>
            RefusalOf(context.Request) is { } detail ? WriteUnsupportedAsync(context, detail) : next(context));

    /// <summary>
    /// Every answer of this API is JSON, errors included. An <c>Accept</c> header that rules JSON out
    /// (<c>application/xml</c>, <c>text/html</c>) is disregarded, as RFC 9110 §12.5.1 allows, rather
    /// than letting the problem-details writer give up and leave a bare status or an empty body.
    /// </summary>
    public static IApplicationBuilder UseJsonAnswers(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            var accept = context.Request.Headers.Accept;
            if (accept.Count > 0 && !AcceptsJson(accept))
            {
                context.Request.Headers.Accept = default;
            }

            return next(context);
        });

    private static bool AcceptsJson(Microsoft.Extensions.Primitives.StringValues accept) =>
        (accept.Count == 1 && IsOneOf(accept[0], "*/*", "application/json", "application/problem+json"))
        || MediaTypeHeaderValue.TryParseList(accept, out var ranges)
        && ranges.Any(range => range.Quality is not 0 && (Json.IsSubsetOf(range) || ProblemJson.IsSubsetOf(range)));

    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private static readonly MediaTypeHeaderValue ProblemJson = new("application/problem+json");

    /// <summary>Why the declared body cannot be read, or null when it can (or there is none).</summary>
    private static string? RefusalOf(HttpRequest request)
    {
        var declared = request.Headers.ContentType;
        if (declared.Count == 0)
        {
            return null;
        }

        if (declared.Count > 1)
        {
            return "Send one Content-Type header.";
        }

        // What nearly every request sends needs no parsing on the hot path.
        if (IsOneOf(declared[0], "application/json", "application/json; charset=utf-8", "application/x-www-form-urlencoded"))
        {
            return null;
        }

        if (!MediaTypeHeaderValue.TryParse(declared[0], out var mediaType))
        {
            return "The Content-Type header is malformed.";
        }

        if (!mediaType.Charset.HasValue)
        {
            return null;
        }

        var charset = HeaderUtilities.RemoveQuotes(mediaType.Charset);
        if (!charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) && !charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))
        {
            return "Request bodies are read as UTF-8 only; send charset=utf-8 or no charset.";
        }

        if (charset.Length != mediaType.Charset.Length)
        {
            // charset="utf-8" is legal HTTP, but the framework's readers look the quoted name up as is.
            mediaType.Charset = "utf-8";
            request.ContentType = mediaType.ToString();
        }

        return null;
    }

    private static bool IsOneOf(string? value, string first, string second, string third) =>
        string.Equals(value, first, StringComparison.OrdinalIgnoreCase)
        || string.Equals(value, second, StringComparison.OrdinalIgnoreCase)
        || string.Equals(value, third, StringComparison.OrdinalIgnoreCase);

    private static async Task WriteUnsupportedAsync(HttpContext context, string detail)
    {
        context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = StatusCodes.Status415UnsupportedMediaType, Title = "Unsupported Media Type", Detail = detail },
        });
    }

    /// <summary>
    /// Reads an <c>application/x-www-form-urlencoded</c> body. <see cref="FormRead.NotAForm"/> when the
    /// body is not such a form (415), <see cref="FormRead.Invalid"/> when it is one that cannot be
    /// read: a NUL, a key over 2,048 characters, more than 1,024 fields (400).
    /// </summary>
    public static async Task<FormRead> ReadFormAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
        {
            return FormRead.NotAForm;
        }

        try
        {
            return new FormRead(await request.ReadFormAsync(cancellationToken), FormReadStatus.Read);
        }
        catch (InvalidDataException)
        {
            return FormRead.Invalid;
        }
    }
}

public enum FormReadStatus
{
    Read,
    NotAForm,
    Invalid,
}

/// <summary>A form body as read, or why it could not be.</summary>
public sealed record FormRead(IFormCollection Form, FormReadStatus Status)
{
    public static readonly FormRead NotAForm = new(FormCollection.Empty, FormReadStatus.NotAForm);

    public static readonly FormRead Invalid = new(FormCollection.Empty, FormReadStatus.Invalid);

    /// <summary>The answer for a body that is not a form at all.</summary>
    public static ProblemHttpResult UnsupportedMediaType() =>
        ApiProblems.Create(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", "Send the fields as application/x-www-form-urlencoded.");
}

/// <summary>
/// Free text in a request (names, descriptions, metadata keys and values, …) must not carry
/// control characters (NUL, escape sequences, line breaks, C1) or unpaired surrogates: they corrupt
/// logs, exports and every system downstream. Added once to the HTTP JSON options as a contract
/// modifier, it checks every string member (and list of strings, and string map) of every request
/// object once it is read, present and future; the JSON contract, and so the OpenAPI schemas,
/// stay as they are (a custom string converter would hide them).
/// </summary>
public static class PlainText
{
    public const string Message = "text may not contain control characters or unpaired surrogates.";

    public static void Require(JsonTypeInfo typeInfo)
    {
        if (typeInfo.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }

        var texts = typeInfo.Properties.Where(property => property.Get is not null && IsText(property.PropertyType)).ToArray();
        if (texts.Length == 0)
        {
            return;
        }

        var next = typeInfo.OnDeserialized;
        typeInfo.OnDeserialized = value =>
        {
            foreach (var property in texts)
            {
                if (!IsPlainValue(property.Get!(value)))
                {
                    throw new PlainTextException(property.Name);
                }
            }

            next?.Invoke(value);
        };
    }

    public static bool IsPlain(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsControl(c))
            {
                return false;
            }

            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsText(Type type) =>
        type == typeof(string) || typeof(IEnumerable<string>).IsAssignableFrom(type) || typeof(IEnumerable<KeyValuePair<string, string>>).IsAssignableFrom(type);

    private static bool IsPlainValue(object? value) => value switch
    {
        null => true,
        string text => IsPlain(text),
        IEnumerable<KeyValuePair<string, string>> pairs => pairs.All(pair => IsPlain(pair.Key) && (pair.Value is null || IsPlain(pair.Value))),
        IEnumerable<string> items => items.All(item => item is null || IsPlain(item)),
        _ => true,
    };
}

/// <summary>Thrown by <see cref="PlainText"/> with the member it found; the bad-request handler says which.</summary>
public sealed class PlainTextException(string member) : JsonException($"{member}: {PlainText.Message}")
{
    public string Member { get; } = member;
}
