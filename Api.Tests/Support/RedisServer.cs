using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Strongroom.Api.Tests.Support;

/// <summary>
/// A real <c>redis-server</c> (the Debian package; .ci/run installs it) on a free loopback port,
/// without persistence. It can be killed and restarted on the same port mid-test. Where no
/// redis-server binary exists, <see cref="SkipReason"/> says so and the tests using it skip.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(15);
    private Process? _process;

    private readonly RedisTls? _tls;

    private RedisServer(string binary, int port, RedisTls? tls = null)
    {
        Binary = binary;
        Port = port;
        _tls = tls;
    }

    /// <summary>With TLS: the port that speaks only TLS (<see cref="Port"/> stays plain, for the test's own inspection).</summary>
    public int TlsPort => _tls?.Port ?? throw new InvalidOperationException("Started without TLS.");

    public string Binary { get; }

    public int Port { get; }

    /// <summary>The StackExchange.Redis configuration string for this server.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    public static string? SkipReason => FindBinary() is null ? "redis-server is not installed (apt-get install redis-server); the cache tests need a real one." : null;

    public bool IsRunning => _process is { HasExited: false };

    public static async Task<RedisServer> StartAsync()
    {
        var binary = FindBinary() ?? throw new InvalidOperationException(SkipReason);
        var server = new RedisServer(binary, FreePort());
        await server.StartAsync(CancellationToken.None);
        return server;
    }

    /// <summary>Also listens for TLS on another port, with the given PEM certificate and key.</summary>
    public static async Task<RedisServer> StartWithTlsAsync(string certificatePath, string keyPath)
    {
        var binary = FindBinary() ?? throw new InvalidOperationException(SkipReason);
        var server = new RedisServer(binary, FreePort(), new RedisTls(FreePort(), certificatePath, keyPath));
        await server.StartAsync(CancellationToken.None);
        return server;
    }

    /// <summary>Starts redis-server on <see cref="Port"/> and returns once it answers PING.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
                     "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "yes" })
        {
            start.ArgumentList.Add(argument);
        }

        if (_tls is { } tls)
        {
            foreach (var argument in new[] { "--tls-port", tls.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                         "--tls-cert-file", tls.CertificatePath, "--tls-key-file", tls.KeyPath, "--tls-auth-clients", "no" })
            {
                start.ArgumentList.Add(argument);
            }
        }

        var output = new StringBuilder();
        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        // Even if the test run dies without disposing its fixtures.
        AppDomain.CurrentDomain.ProcessExit += KillOnExit;
        _process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        _process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var elapsed = Stopwatch.StartNew();
        while (!await AnswersPingAsync(cancellationToken))
        {
            if (_process.HasExited || elapsed.Elapsed > StartDeadline)
            {
                string log;
                lock (output)
                {
                    log = output.ToString();
                }

                Kill();
                throw new InvalidOperationException($"redis-server on port {Port} did not answer PING within {StartDeadline.TotalSeconds} s:\n{log}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }
    }

    /// <summary>Kills the server at once (SIGKILL): what a crash or a network cut looks like to clients.</summary>
    public void Kill()
    {
        if (_process is { } process)
        {
            _process = null;
            AppDomain.CurrentDomain.ProcessExit -= KillOnExit;
            try
            {
                // redis-server forks no children here (no saving), so the process alone is enough.
                process.Kill();
                process.WaitForExit();
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
            finally
            {
                process.Dispose();
            }
        }
    }

    private void KillOnExit(object? sender, EventArgs e) => Kill();

    public ValueTask DisposeAsync()
    {
        Kill();
        return ValueTask.CompletedTask;
    }

    /// <summary>Sends one command (RESP array of bulk strings); returns the raw reply.</summary>
    public async Task<string> CommandAsync(params string[] arguments)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Port, TestContext.Current.CancellationToken);
        var stream = client.GetStream();
        var request = new StringBuilder($"*{arguments.Length}\r\n");
        foreach (var argument in arguments)
        {
            request.Append(System.Globalization.CultureInfo.InvariantCulture, $"${Encoding.UTF8.GetByteCount(argument)}\r\n{argument}\r\n");
        }

        await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()), TestContext.Current.CancellationToken);
        var buffer = new byte[64 * 1024];
        var read = await stream.ReadAsync(buffer, TestContext.Current.CancellationToken);
        return Encoding.UTF8.GetString(buffer, 0, read);
    }

    /// <summary>True when the FusionCache entry whose key ends with <paramref name="keySuffix"/> is in Redis and not expired.</summary>
    public async Task<bool> HoldsFreshEntryAsync(string keySuffix)
    {
        var keys = (await CommandAsync("KEYS", $"*{keySuffix}")).Split("\r\n").Where(line => line.EndsWith(keySuffix, StringComparison.Ordinal)).ToList();
        if (keys.Count != 1)
        {
            return false;
        }

        var reply = await CommandAsync("HGET", keys[0], "data");
        var json = reply[(reply.IndexOf('{', StringComparison.Ordinal) is var start and >= 0 ? start : 0)..].TrimEnd('\r', '\n');
        return json.StartsWith('{')
            && System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("LogicalExpirationTimestamp").GetInt64() > DateTimeOffset.UtcNow.UtcTicks;
    }

    private async Task<bool> AnswersPingAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port, cancellationToken);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), cancellationToken);
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer, cancellationToken);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? FindBinary() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/bin").Append("/usr/sbin")
            .Select(folder => Path.Combine(folder, "redis-server"))
            .FirstOrDefault(File.Exists);
}

internal sealed record RedisTls(int Port, string CertificatePath, string KeyPath);
