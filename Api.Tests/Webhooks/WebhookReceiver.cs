using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Webhooks;

/// <summary>One webhook request as the receiver got it: its headers (as a receiver's framework sees them), raw body and when it arrived.</summary>
public sealed record ReceivedWebhook(IHeaderDictionary Headers, string Body, DateTimeOffset At)
{
    public string Id => Headers["webhook-id"].ToString();
}

/// <summary>How the receiver answers one request: a status, an optional Retry-After or Location, or no answer at all (hang).</summary>
public sealed record ReceiverAnswer(int Status, string? RetryAfter = null, bool Hang = false, TimeSpan Delay = default, string? Location = null)
{
    public static readonly ReceiverAnswer Ok = new(200);
}

/// <summary>
/// A real webhook receiver on a free loopback port (a small Kestrel app): records every request
/// and answers as <see cref="Answer"/> says (by request, and by how many came before). It can be
/// stopped (connections refused: the receiver is down) and started again on the same port.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private readonly ConcurrentDictionary<string, int> _inFlightById = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _hangs = new();
    private WebApplication? _app;
    private int _count;
    private int _maxSameIdAtOnce;

    private WebhookReceiver(int port) => Port = port;

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}/hooks";

    /// <summary>How to answer the request, given it and how many requests came before it (0 for the first).</summary>
    public Func<ReceivedWebhook, int, ReceiverAnswer> Answer { get; set; } = (_, _) => ReceiverAnswer.Ok;

    public IReadOnlyList<ReceivedWebhook> Received => [.. _received];

    /// <summary>The most requests with one webhook-id that were in progress at the same moment.</summary>
    public int MaxSameIdAtOnce => Volatile.Read(ref _maxSameIdAtOnce);

    public static async Task<WebhookReceiver> StartAsync(Func<ReceivedWebhook, int, ReceiverAnswer>? answer = null)
    {
        var receiver = new WebhookReceiver(ServiceProcess.FreePort());
        if (answer is not null)
        {
            receiver.Answer = answer;
        }

        await receiver.StartAsync();
        return receiver;
    }

    /// <summary>Listens (again) on the same port.</summary>
    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{Port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/hooks", HandleAsync);
        await app.StartAsync(TestContext.Current.CancellationToken);
        _app = app;
    }

    /// <summary>Stops listening: from now on connections are refused, as to a receiver that is down.</summary>
    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            using (var now = new CancellationTokenSource(TimeSpan.Zero))
            {
                await app.StopAsync(now.Token);
            }

            await app.DisposeAsync();
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds of what was received, or fails at the deadline.</summary>
    public Task WaitUntilAsync(Func<IReadOnlyList<ReceivedWebhook>, bool> condition, string what, TimeSpan? deadline = null) =>
        LedgerClient.WaitUntilAsync(() => condition(Received), deadline ?? TimeSpan.FromSeconds(20), what);

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var headers = new HeaderDictionary();
        foreach (var (name, value) in context.Request.Headers)
        {
            headers[name] = value;
        }

        var received = new ReceivedWebhook(headers, body, DateTimeOffset.UtcNow);
        var id = received.Id;
        var concurrent = _inFlightById.AddOrUpdate(id, 1, (_, n) => n + 1);
        int seen;
        do
        {
            seen = Volatile.Read(ref _maxSameIdAtOnce);
        }
        while (concurrent > seen && Interlocked.CompareExchange(ref _maxSameIdAtOnce, concurrent, seen) != seen);

        try
        {
            _received.Enqueue(received);
            var answer = Answer(received, Interlocked.Increment(ref _count) - 1);
            if (answer.Hang)
            {
                using var hang = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _hangs.Token);
                await Task.Delay(Timeout.Infinite, hang.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                return;
            }

            if (answer.Delay > TimeSpan.Zero)
            {
                await Task.Delay(answer.Delay, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            }

            context.Response.StatusCode = answer.Status;
            if (answer.Location is { } location)
            {
                context.Response.Headers.Location = location;
            }

            if (answer.RetryAfter is { } retryAfter)
            {
                context.Response.Headers.RetryAfter = retryAfter;
            }
        }
        finally
        {
            _inFlightById.AddOrUpdate(id, 0, (_, n) => n - 1);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _hangs.CancelAsync();
        await StopAsync();
        _hangs.Dispose();
    }
}
