using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Strongroom.Api.Tests.Support;

/// <summary>
/// The service as its own process (the apphost this test run built, JIT), in an empty working folder
/// of its own, on a free loopback port: what an operator's supervisor starts and signals. Its standard
/// output and error are kept line by line. Disposing kills it if it still runs and deletes the folder.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();

    private readonly bool _ownsDirectory;

    private ServiceProcess(Process process, string directory, bool ownsDirectory, Uri address)
    {
        _process = process;
        _ownsDirectory = ownsDirectory;
        Directory = directory;
        Address = address;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { _stdout.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { _stderr.Enqueue(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The apphost of the test build (beside the test binaries).</summary>
    public static string App => Path.Combine(AppContext.BaseDirectory, "strongroom");

    /// <summary>The working folder (the content root: <c>data/</c> is here).</summary>
    public string Directory { get; }

    public Uri Address { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public IReadOnlyList<string> StandardOutput => [.. _stdout];

    /// <summary>Everything it wrote, standard output then standard error.</summary>
    public string Output => string.Join('\n', _stdout.Concat(_stderr));

    /// <summary>
    /// Starts the service with <paramref name="environment"/> and waits until <c>/health/ready</c> answers 200;
    /// in <paramref name="directory"/> (kept when disposed: a restart over the same data) or a new folder of its own;
    /// <paramref name="binary"/> is the test build's apphost unless another (the published native binary) is named.
    /// </summary>
    public static async Task<ServiceProcess> StartAsync(IReadOnlyDictionary<string, string> environment, string? directory = null, string? binary = null)
    {
        binary ??= App;
        if (!File.Exists(binary) || OperatingSystem.IsWindows())
        {
            Assert.Skip($"No strongroom binary at {binary} to run as a process of its own (Linux only: signals).");
        }

        var ownsDirectory = directory is null;
        directory ??= TempDirectory.Create();
        var address = new Uri($"http://127.0.0.1:{FreePort()}");
        var start = new ProcessStartInfo(binary, ["--urls", address.ToString()])
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["HOME"] = directory;
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var service = new ServiceProcess(Process.Start(start)!, directory, ownsDirectory, address);
        try
        {
            using var client = new HttpClient { BaseAddress = address };
            var elapsed = Stopwatch.StartNew();
            while (!await IsReadyAsync(client))
            {
                Assert.False(service.HasExited, $"The service exited with {(service.HasExited ? service.ExitCode : 0)}:\n{service.Output}");
                Assert.True(elapsed.Elapsed < StartTimeout, $"The service was not ready within {StartTimeout.TotalSeconds} s:\n{service.Output}");
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }

            return service;
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
    }

    /// <summary>Sends SIGTERM, as a supervisor (systemd, Kubernetes, docker stop) does.</summary>
    public async Task TerminateAsync()
    {
        var kill = await ExternalProcess.RunAsync("kill", ["-TERM", Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], Directory, TimeSpan.FromSeconds(10));
        Assert.True(kill.ExitCode == 0, kill.Output);
    }

    /// <summary>Waits for the process to exit on its own; fails (and kills it) past <paramref name="deadline"/>.</summary>
    public async Task<TimeSpan> WaitForExitAsync(TimeSpan deadline)
    {
        var elapsed = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(deadline);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"The service did not exit within {deadline.TotalSeconds} s:\n{Output}");
        }

        // The exit is seen before the last lines are; waiting without a timeout flushes them.
        await _process.WaitForExitAsync(CancellationToken.None);
        return elapsed.Elapsed;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }

        _process.Dispose();
        if (_ownsDirectory)
        {
            TempDirectory.Delete(Directory);
        }
    }

    private static async Task<bool> IsReadyAsync(HttpClient client)
    {
        try
        {
            return (await client.GetAsync("/health/ready", TestContext.Current.CancellationToken)).StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
