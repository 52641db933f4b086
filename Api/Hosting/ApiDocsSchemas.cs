using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Strongroom.Infrastructure.Money;

namespace Strongroom.Api.Hosting;

/// <summary>
/// What the schema generator does not read from the types: the closed sets of values a member
/// takes (<see cref="AllowedValuesAttribute"/>, as <c>enum</c>) and the shape of a currency code
/// (<see cref="Iso4217Attribute"/>, and every <c>currency</c> member the service answers with).
/// </summary>
public static class ApiDocsSchemas
{
    public const string CurrencyPattern = "^[A-Z]{3}$";

    public static Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonPropertyInfo is not { } property)
        {
            // A member left out when null ([JsonIgnore(WhenWritingNull)]) is not always there, whatever the constructor says.
            if (context.JsonTypeInfo.Kind == JsonTypeInfoKind.Object && schema.Required is { Count: > 0 } required)
            {
                foreach (var omitted in context.JsonTypeInfo.Properties.Where(p => p.ShouldSerialize is not null))
                {
                    required.Remove(omitted.Name);
                }
            }

            return Task.CompletedTask;
        }

        var attributes = AttributesOf(property);
        if (attributes.OfType<AllowedValuesAttribute>().FirstOrDefault() is { } allowed)
        {
            schema.Enum = [.. allowed.Values.Select(value => (JsonNode)JsonValue.Create(value?.ToString())!)];
        }

        // The generator reads these from properties only; a record carries them on its constructor.
        if (attributes.OfType<RangeAttribute>().FirstOrDefault() is { } range)
        {
            schema.Minimum ??= Number(range.Minimum);
            schema.Maximum ??= Number(range.Maximum);
        }

        if (attributes.OfType<StringLengthAttribute>().FirstOrDefault() is { } length)
        {
            schema.MaxLength ??= length.MaximumLength;
            schema.MinLength ??= length.MinimumLength > 0 ? length.MinimumLength : null;
        }

        if (attributes.OfType<RegularExpressionAttribute>().FirstOrDefault() is { } expression)
        {
            schema.Pattern ??= expression.Pattern;
        }

        // The service's only JsonElement members carry a resource as its own GET returned it (an event's data): an object.
        if (property.PropertyType == typeof(System.Text.Json.JsonElement))
        {
            schema.Type = JsonSchemaType.Object;
        }

        if (attributes.OfType<Iso4217Attribute>().Any() || (property.Name == "currency" && property.PropertyType == typeof(string)))
        {
            schema.Pattern = CurrencyPattern;
        }

        return Task.CompletedTask;
    }

    /// <summary>1e15 as 1000000000000000, not 1E+15.</summary>
    private static string Number(object value) =>
        Convert.ToDecimal(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);

    /// <summary>A record's attributes sit on its constructor parameters, a class's on its properties.</summary>
    private static List<object> AttributesOf(JsonPropertyInfo property) =>
        [.. property.AttributeProvider?.GetCustomAttributes(inherit: true) ?? [],
            .. property.AssociatedParameter?.AttributeProvider?.GetCustomAttributes(inherit: true) ?? []];
}
