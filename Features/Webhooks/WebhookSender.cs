using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Strongroom.Features.Webhooks;

/// <summary>What one attempt came to: the receiver's status, or why there was none; and any <c>Retry-After</c> it asked for.</summary>
public sealed record WebhookOutcome(int? StatusCode, string? Error, TimeSpan? RetryAfter)
{
    public bool IsSuccess => StatusCode is >= 200 and < 300;
}

/// <summary>
/// Sends deliveries over one <see cref="HttpClient"/> of its own: redirects not followed, every
/// connection's address checked when it is made (DNS can change between registration and now),
/// a few connections per receiver, a deadline per attempt, and at most a few KiB of a response
/// read. It shares nothing with the ledger, so a slow receiver holds only its own attempts.
/// </summary>
public sealed class WebhookSender : IDisposable
{
    public const int ResponseBodyLimit = 4096;
    public const string AddressNotAllowed = "address_not_allowed";
    public const string Timeout = "timeout";
    public const string ConnectionFailed = "connection_failed";

    private readonly HttpClient _client;
    private readonly WebhookOptions _options;

    public WebhookSender(IOptions<WebhookOptions> options)
    {
        _options = options.Value;
        var allowPrivate = _options.AllowPrivateNetworks;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            MaxConnectionsPerServer = _options.MaxConcurrentPerEndpoint,
            ConnectTimeout = _options.Timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            MaxResponseHeadersLength = 16,
            ConnectCallback = (context, cancellationToken) => ConnectAsync(context.DnsEndPoint, allowPrivate, cancellationToken),
        };
        _client = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
    }

    public async Task<WebhookOutcome> SendAsync(string url, string webhookId, long timestamp, byte[] body, string signatures, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.Timeout);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("webhook-id", webhookId);
        request.Headers.TryAddWithoutValidation("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("webhook-signature", signatures);
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("Strongroom-Webhooks", "1.0"));
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            await DrainAsync(response, deadline.Token);
            return new WebhookOutcome((int)response.StatusCode, null, RetryAfterOf(response));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new WebhookOutcome(null, Timeout, null);
        }
        catch (HttpRequestException exception) when (exception.InnerException is AddressRefusedException)
        {
            return new WebhookOutcome(null, AddressNotAllowed, null);
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException)
        {
            return new WebhookOutcome(null, ConnectionFailed, null);
        }
    }

    /// <summary>Reads (and drops) at most <see cref="ResponseBodyLimit"/> bytes: the receiver's answer is its status.</summary>
    private static async Task DrainAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[ResponseBodyLimit];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
        {
            total += read;
        }
    }

    private static TimeSpan? RetryAfterOf(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };

    private static async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, bool allowPrivateNetworks, CancellationToken cancellationToken)
    {
        if (WebhookAddresses.IsMetadataHost(endpoint.Host))
        {
            throw new AddressRefusedException();
        }

        var addresses = IPAddress.TryParse(endpoint.Host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(endpoint.Host, cancellationToken);
        var allowed = addresses.Where(address => !WebhookAddresses.IsRefused(address, allowPrivateNetworks)).ToArray();
        if (allowed.Length == 0)
        {
            throw new AddressRefusedException();
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, endpoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose() => _client.Dispose();

    /// <summary>The host is, or now resolves to, an address deliveries may not go to.</summary>
    private sealed class AddressRefusedException : IOException
    {
        public AddressRefusedException()
            : base("The webhook host resolves to an address deliveries may not go to.")
        {
        }
    }
}
