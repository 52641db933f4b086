namespace Strongroom.Api.Tests.Support;

/// <summary>The service on a real loopback Kestrel port, for programs outside the test process (a generated client, a browser) to call.</summary>
public class KestrelApp : SqliteApp
{
    protected override bool ServeOverKestrel => true;

    /// <summary>Where Kestrel listens, e.g. http://127.0.0.1:40123/.</summary>
    public Uri BaseAddress => CreateClient().BaseAddress!;
}
