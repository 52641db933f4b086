using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Strongroom.Api.Tests.Support;

/// <summary>A tmpfs of a few MiB, mounted for one fixture (needs root and mount(8), as CI has).</summary>
public sealed class SmallDisk : IDisposable
{
    private SmallDisk(string path, string? skipReason)
    {
        Path = path;
        SkipReason = skipReason;
    }

    public string Path { get; }

    public string? SkipReason { get; }

    public static SmallDisk Mount(int megabytes)
    {
        var path = TempDirectory.Create();
        var (exitCode, output) = Run("mount", $"-t tmpfs -o size={megabytes}m strongroom-test {path}");
        return new SmallDisk(path, exitCode == 0 ? null : $"Cannot mount a tmpfs here (needs root and mount(8)): {output.Trim()}");
    }

    /// <summary>Writes a file until the disk refuses another byte.</summary>
    public string Fill()
    {
        var filler = System.IO.Path.Combine(Path, "filler");
        var block = new byte[64 * 1024];
        using var stream = new FileStream(filler, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1);
        try
        {
            while (true)
            {
                stream.Write(block);
            }
        }
        catch (IOException)
        {
            // ENOSPC: now try single bytes, so that not even one page of the WAL can grow.
        }

        try
        {
            while (true)
            {
                stream.WriteByte(0);
            }
        }
        catch (IOException)
        {
            return filler;
        }
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (SkipReason is null && Run("umount", Path).ExitCode != 0)
        {
            Run("umount", $"-l {Path}");
        }

        TempDirectory.Delete(Path);
    }

    private static (int ExitCode, string Output) Run(string command, string arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(command, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            var output = process.StandardError.ReadToEnd() + process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            return (-1, exception.Message);
        }
    }
}
