using System.Collections.Frozen;
using System.Text;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Strongroom.Features.Ledger;

/// <summary>
/// What a money-moving endpoint's Idempotency-Key was used for, hashed with the request body so
/// that one key sent to two endpoints with the same body (capturing a hold in full and voiding it
/// both send nothing) is never taken for a repeat: the method and route, with the route's values
/// filled in (<c>POST /v1/transfers/batch</c>). <c>MovesMoney()</c> derives it from the endpoint.
/// </summary>
public sealed class IdempotentOperation
{
    /// <summary>
    /// Four endpoints spelled their operation by hand before it was derived from the route. The
    /// stored request hashes of keys used with them were made with that spelling, so these keep
    /// it: a new spelling would answer a client's retry with idempotency_key_reused instead of
    /// replaying what happened. Keyed by the derived operation; new endpoints do not belong here.
    /// </summary>
    private static readonly FrozenDictionary<string, string> HashedBeforeAsSpelledByHand = new Dictionary<string, string>
    {
        ["POST /v1/transfers/{id}/capture"] = "POST /v1/transfers/{id}/Capture",
        ["POST /v1/transfers/{id}/void"] = "POST /v1/transfers/{id}/Void",
        ["POST /v1/deposits"] = "POST Deposit",
        ["POST /v1/withdrawals"] = "POST Withdrawal",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Literal text, and the names of route parameters whose values go between it.</summary>
    private readonly (string Text, bool IsParameter)[] _parts;

    private IdempotentOperation(string template)
    {
        Template = template;
        _parts = [.. Parse(template)];
    }

    /// <summary>The operation with route parameters named, as in <c>POST /v1/transfers/{id}/Capture</c>.</summary>
    public string Template { get; }

    /// <summary>The operation of <paramref name="method"/> on <paramref name="route"/>: derived, or as it was hashed before.</summary>
    public static IdempotentOperation Of(string method, RoutePattern route)
    {
        var derived = new StringBuilder(method).Append(' ');
        foreach (var segment in route.PathSegments)
        {
            derived.Append('/');
            foreach (var part in segment.Parts)
            {
                derived.Append(part switch
                {
                    RoutePatternLiteralPart literal => literal.Content,
                    RoutePatternSeparatorPart separator => separator.Content,
                    RoutePatternParameterPart parameter => $"{{{parameter.Name}}}",
                    _ => throw new InvalidOperationException($"Route part {part.PartKind} has no operation spelling."),
                });
            }
        }

        var template = derived.ToString();
        return new IdempotentOperation(HashedBeforeAsSpelledByHand.GetValueOrDefault(template, template));
    }

    /// <summary>The operation of one request: the template with its route values filled in.</summary>
    public string For(RouteValueDictionary values)
    {
        if (_parts.Length == 1)
        {
            return Template;
        }

        var operation = new StringBuilder();
        foreach (var (text, isParameter) in _parts)
        {
            operation.Append(isParameter ? Convert.ToString(values[text], System.Globalization.CultureInfo.InvariantCulture) : text);
        }

        return operation.ToString();
    }

    private static IEnumerable<(string Text, bool IsParameter)> Parse(string template)
    {
        var start = 0;
        while (template.IndexOf('{', start) is var open and >= 0 && template.IndexOf('}', open) is var close and >= 0)
        {
            yield return (template[start..open], false);
            yield return (template[(open + 1)..close], true);
            start = close + 1;
        }

        yield return (template[start..], false);
    }
}
