
namespace Strongroom.Api.Tests.Support;

/// <summary>The service trusting a fake OpenID Connect authority that listens on loopback.</summary>
public class ExternalAuthorityApp : SqliteApp
{
    /// <summary>The one outbound dependency the service has: the configured authority (<c>Auth:Authority</c>).</summary>
    public FakeOpenIdProvider Authority { get; private set; } = null!;

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Auth:Authority"] = Authority.Issuer,
        ["Auth:AuthorityRequireHttpsMetadata"] = "false",
    };

    // The authority must be listening before the service starts: its address is the Auth:Authority setting.
    protected override async ValueTask<IReadOnlyDictionary<string, string?>> PrepareDatabaseAsync()
    {
        Authority = await FakeOpenIdProvider.StartAsync();
        return await base.PrepareDatabaseAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Authority is not null)
        {
            await Authority.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}
