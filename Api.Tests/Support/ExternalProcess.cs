using System.Diagnostics;
using System.Text;

namespace Strongroom.Api.Tests.Support;

/// <summary>
/// A program the test runs to its end (the cluster script, nginx, Kiota, node, the service's own
/// commands): its exit code, everything it wrote (both streams, in the order written) and how long
/// it took; killed with its children, failing the test, if it outlives its time.
/// </summary>
public static class ExternalProcess
{
    public sealed record Result(int ExitCode, string Output, TimeSpan Elapsed);

    public static async Task<Result> RunAsync(string fileName, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(fileName, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var elapsed = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start.");
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            Assert.Fail($"{fileName} {string.Join(' ', arguments)} did not finish within {timeout.TotalSeconds} s:\n{Text(output)}");
        }

        // The exit is seen before the last lines of output are; waiting without a timeout flushes them.
        await process.WaitForExitAsync(CancellationToken.None);
        return new Result(process.ExitCode, Text(output), elapsed.Elapsed);
    }

    /// <summary>Whether <paramref name="fileName"/> with <paramref name="arguments"/> runs and exits 0 here (a tool that may not be installed).</summary>
    public static async Task<bool> WorksAsync(string fileName, IEnumerable<string> arguments, string workingDirectory)
    {
        try
        {
            return (await RunAsync(fileName, arguments, workingDirectory, TimeSpan.FromSeconds(60))).ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    /// <summary>The full path of <paramref name="program"/> on PATH (or in /usr/sbin, where Debian puts nginx), else null.</summary>
    public static string? Find(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/sbin")
            .Select(folder => Path.Combine(folder, program))
            .FirstOrDefault(File.Exists);

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
