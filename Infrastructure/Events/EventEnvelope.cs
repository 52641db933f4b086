using System.Text;
using System.Text.Json;
using Strongroom.Infrastructure.Common;

namespace Strongroom.Infrastructure.Events;

/// <summary>
/// An event as stored: its sequence, type, when it was committed (microseconds since the Unix
/// epoch) and its data, the resource's JSON exactly as its own GET returned it after the change.
/// </summary>
public sealed class StoredEvent
{
    public const string Columns = "sequence AS Sequence, type AS Type, created_at AS CreatedAt, data AS Data";

    public long Sequence { get; init; }

    public string Type { get; init; } = "";

    public long CreatedAt { get; init; }

    public string Data { get; init; } = "";

    public string Id => EventIds.Format(Sequence);
}

/// <summary>
/// The one JSON form of an event, <c>{"id","type","createdAt","data"}</c>: what
/// <c>GET /v1/events/{id}</c> returns and, byte for byte, the body a webhook delivery signs and sends.
/// </summary>
public static class EventEnvelope
{
    public static byte[] ToUtf8(StoredEvent stored)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(stored.Data.Length + 128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, stored);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static string ToJson(StoredEvent stored) => Encoding.UTF8.GetString(ToUtf8(stored));

    public static void Write(Utf8JsonWriter writer, StoredEvent stored)
    {
        writer.WriteStartObject();
        writer.WriteString("id", stored.Id);
        writer.WriteString("type", stored.Type);
        writer.WriteString("createdAt", UnixMicroseconds.ToDateTimeOffset(stored.CreatedAt));
        writer.WritePropertyName("data");
        writer.WriteRawValue(stored.Data, skipInputValidation: true);
        writer.WriteEndObject();
    }
}
