namespace Strongroom.Api.Tests.Support;

/// <summary>
/// A clock that stands still until a test moves it, for what depends on time steps (TOTP). It
/// starts ten minutes in the past, so the tokens it stamps are already valid by the real clock
/// and stay valid for the few minutes a test class runs; tests only ever move it forward.
/// </summary>
public sealed class TestClock : TimeProvider
{
    private long _ticks = DateTimeOffset.UtcNow.AddMinutes(-10).UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}

/// <summary>A fixture whose service runs on a <see cref="TestClock"/>.</summary>
public interface IClockedApp
{
    TestClock Clock { get; }
}
