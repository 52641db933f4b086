using System.Globalization;
using System.Net;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Ledger;

/// <summary>
/// The ledger writer runs on a thread of its own, named so that <c>ps -L</c> and <c>top -H</c> show
/// it, and scheduled ahead of the request threads (nice -10 by default) where the process may
/// raise a thread's priority (CAP_SYS_NICE); where it may not, at the process's own priority.
/// </summary>
public sealed class WriterThreadTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private const int CapSysNice = 23;

    [Fact]
    public async Task The_writer_has_a_thread_of_its_own_scheduled_ahead_of_the_request_threads()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Thread priorities are read from /proc, which only Linux has.");
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 100);
        var to = await (await app.RegisterAndSignInAsync()).OpenAccountAsync();
        await (await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 1))).AssertJsonAsync(HttpStatusCode.Created);

        var writers = Directory.GetDirectories("/proc/self/task")
            .Where(task => File.ReadAllText(Path.Combine(task, "comm")).Trim() == "Ledger writer 0")
            .Select(task => Nice(File.ReadAllText(Path.Combine(task, "stat"))))
            .ToList();
        Assert.NotEmpty(writers);

        var expected = MayRaisePriority() ? -10 : Nice(File.ReadAllText("/proc/self/stat"));
        Assert.Contains(expected, writers);
    }

    /// <summary>Field 19 of /proc/…/stat, counted after the parenthesised command name (which may hold spaces).</summary>
    private static int Nice(string stat) =>
        int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16], CultureInfo.InvariantCulture);

    private static bool MayRaisePriority()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("CapEff:", StringComparison.Ordinal));
        var mask = ulong.Parse(line["CapEff:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return (mask & (1UL << CapSysNice)) != 0;
    }
}
