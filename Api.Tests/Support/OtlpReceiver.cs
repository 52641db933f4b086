using System.Collections.Concurrent;
using System.Net;

namespace Strongroom.Api.Tests.Support;

/// <summary>
/// The smallest OTLP/HTTP collector: accepts <c>POST /v1/traces</c> (and any other signal, ignored) on
/// a free loopback port, answers 200, and keeps every span it was sent, decoded by
/// <see cref="OtlpSpans"/> (a few protobuf fields read by hand: no generated code, no proto files).
/// </summary>
public sealed class OtlpReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<OtlpSpan> _spans = new();

    public OtlpReceiver()
    {
        Port = ServiceProcess.FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _ = Task.Run(ReceiveAsync);
    }

    public int Port { get; }

    public Uri Endpoint => new($"http://127.0.0.1:{Port}");

    public IReadOnlyList<OtlpSpan> Spans => [.. _spans];

    /// <summary>Polls until some span matches, or fails at <paramref name="timeout"/>: never a fixed sleep.</summary>
    public async Task<OtlpSpan> WaitForAsync(Func<OtlpSpan, bool> match, string what, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_spans.FirstOrDefault(match) is { } span)
            {
                return span;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        throw new Xunit.Sdk.XunitException($"No span {what} within {timeout}; received: {string.Join(", ", _spans.Select(s => s.Name))}");
    }

    private async Task ReceiveAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            if (context.Request.Url?.AbsolutePath == "/v1/traces")
            {
                foreach (var span in OtlpSpans.Decode(body.ToArray()))
                {
                    _spans.Enqueue(span);
                }
            }

            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }

    public void Dispose() => _listener.Close();
}

/// <summary>What the tests look at of a span: ids as hex, name, attribute keys, and the trace ids its links point at.</summary>
public sealed record OtlpSpan(string TraceId, string SpanId, string ParentSpanId, string Name, IReadOnlyList<string> AttributeKeys, IReadOnlyList<string> LinkTraceIds);

/// <summary>
/// Reads an <c>ExportTraceServiceRequest</c> (opentelemetry-proto, trace/v1) by field number:
/// resource_spans = 1 → scope_spans = 2 → spans = 2; a span's trace_id = 1, span_id = 2,
/// parent_span_id = 4, name = 5, attributes = 9 (KeyValue key = 1), links = 13 (Link trace_id = 1).
/// </summary>
public static class OtlpSpans
{
    public static IEnumerable<OtlpSpan> Decode(byte[] request)
    {
        foreach (var resourceSpans in Fields(request, 1))
        {
            foreach (var scopeSpans in Fields(resourceSpans, 2))
            {
                foreach (var span in Fields(scopeSpans, 2))
                {
                    yield return new OtlpSpan(
                        Hex(Fields(span, 1).FirstOrDefault()),
                        Hex(Fields(span, 2).FirstOrDefault()),
                        Hex(Fields(span, 4).FirstOrDefault()),
                        System.Text.Encoding.UTF8.GetString(Fields(span, 5).FirstOrDefault() ?? []),
                        [.. Fields(span, 9).Select(kv => System.Text.Encoding.UTF8.GetString(Fields(kv, 1).FirstOrDefault() ?? []))],
                        [.. Fields(span, 13).Select(link => Hex(Fields(link, 1).FirstOrDefault()))]);
                }
            }
        }
    }

    private static string Hex(byte[]? bytes) => bytes is null ? "" : Convert.ToHexStringLower(bytes);

    /// <summary>The length-delimited fields numbered <paramref name="number"/> of one message; every other field skipped by its wire type.</summary>
    private static List<byte[]> Fields(byte[] message, int number)
    {
        var found = new List<byte[]>();
        var at = 0;
        while (at < message.Length)
        {
            var key = Varint(message, ref at);
            var field = (int)(key >> 3);
            switch ((int)(key & 7))
            {
                case 0:
                    Varint(message, ref at);
                    break;
                case 1:
                    at += 8;
                    break;
                case 5:
                    at += 4;
                    break;
                case 2:
                    var length = (int)Varint(message, ref at);
                    if (field == number)
                    {
                        found.Add(message[at..(at + length)]);
                    }

                    at += length;
                    break;
                default:
                    throw new FormatException($"Unexpected protobuf wire type {key & 7}.");
            }
        }

        return found;
    }

    private static ulong Varint(byte[] message, ref int at)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = message[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
    }
}

/// <summary>The service exporting traces over OTLP/HTTP (protobuf) to an <see cref="OtlpReceiver"/> of its own, in batches every 200 ms.</summary>
public sealed class OtlpApp : SqliteApp
{
    public OtlpReceiver Receiver { get; } = new();

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Receiver.Endpoint.ToString(),
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        ["OTEL_METRIC_EXPORT_INTERVAL"] = "60000",
    };

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Receiver.Dispose();
    }
}
