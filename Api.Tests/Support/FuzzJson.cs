using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Strongroom.Api.Tests.Support;

/// <summary>
/// A JSON tree kept as text at the leaves, so a fuzz case can hold what no serializer would write:
/// duplicate members, numbers past 64 bits, lone surrogate escapes. <see cref="Kind"/> is the
/// schema's type for the value, so mutations know what a wrong type would be.
/// </summary>
public abstract class FuzzJson
{
    public string Kind { get; init; } = "string";

    public abstract FuzzJson Copy();

    public abstract void Write(StringBuilder output);

    public string Render()
    {
        var output = new StringBuilder();
        Write(output);
        return output.ToString();
    }

    public static FuzzJson Raw(string text, string kind) => new FuzzJsonRaw(text) { Kind = kind };

    public static FuzzJson Text(string value, string kind = "string") => Raw(Quote(value), kind);

    public static FuzzJson Number(long value) => Raw(value.ToString(CultureInfo.InvariantCulture), "integer");

    /// <summary>A JSON string literal: escaped as System.Text.Json does by default, or with only what JSON requires escaped.</summary>
    public static string Quote(string value, bool relaxed = false) =>
        JsonSerializer.Serialize(value, relaxed ? RelaxedOptions : JsonSerializerOptions.Default);

    private static readonly JsonSerializerOptions RelaxedOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}

public sealed class FuzzJsonRaw(string json) : FuzzJson
{
    public string Json { get; } = json;

    public override FuzzJson Copy() => new FuzzJsonRaw(Json) { Kind = Kind };

    public override void Write(StringBuilder output) => output.Append(Json);
}

public sealed class FuzzJsonObject : FuzzJson
{
    public FuzzJsonObject() => Kind = "object";

    public List<KeyValuePair<string, FuzzJson>> Members { get; } = [];

    public override FuzzJson Copy()
    {
        var copy = new FuzzJsonObject { Kind = Kind };
        copy.Members.AddRange(Members.Select(member => KeyValuePair.Create(member.Key, member.Value.Copy())));
        return copy;
    }

    public override void Write(StringBuilder output)
    {
        output.Append('{');
        for (var i = 0; i < Members.Count; i++)
        {
            output.Append(i == 0 ? "" : ",").Append(Quote(Members[i].Key)).Append(':');
            Members[i].Value.Write(output);
        }

        output.Append('}');
    }
}

public sealed class FuzzJsonArray : FuzzJson
{
    public FuzzJsonArray() => Kind = "array";

    public List<FuzzJson> Items { get; } = [];

    public override FuzzJson Copy()
    {
        var copy = new FuzzJsonArray { Kind = Kind };
        copy.Items.AddRange(Items.Select(item => item.Copy()));
        return copy;
    }

    public override void Write(StringBuilder output)
    {
        output.Append('[');
        for (var i = 0; i < Items.Count; i++)
        {
            output.Append(i == 0 ? "" : ",");
            Items[i].Write(output);
        }

        output.Append(']');
    }
}
