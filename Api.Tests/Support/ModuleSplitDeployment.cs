using Microsoft.AspNetCore.Mvc.Testing;

namespace Strongroom.Api.Tests.Support;

/// <summary>
/// One deployment split by module over one database and one set of keys: a replica for people
/// (<c>Identity,Profiles</c>) and one for money (<c>Accounts,Transfers</c>).
/// </summary>
public sealed class ModuleSplitDeployment : IAsyncLifetime
{
    private readonly SharedDeployment _deployment = new();

    public WebApplicationFactory<Program> People { get; private set; } = null!;

    public WebApplicationFactory<Program> Money { get; private set; } = null!;

    public string AdminEmail => _deployment.AdminEmail;

    public string AdminPassword => _deployment.AdminPassword;

    public ValueTask InitializeAsync()
    {
        People = _deployment.StartReplica(new Dictionary<string, string?> { ["Modules:Enabled"] = "Identity,Profiles" });
        // Lower case and spaces are fine; names are matched case-insensitively.
        Money = _deployment.StartReplica(new Dictionary<string, string?> { ["Modules:Enabled"] = "accounts, transfers" });
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => _deployment.DisposeAsync();
}
