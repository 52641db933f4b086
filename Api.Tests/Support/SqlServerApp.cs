using DotNet.Testcontainers.Configurations;
using Microsoft.Data.SqlClient;
using Strongroom.Infrastructure.Database;
using Testcontainers.MsSql;

namespace Strongroom.Api.Tests.Support;

/// <summary>
/// The service over a fresh database in one SQL Server container shared by the whole run
/// (Testcontainers). Where no Docker engine exists, the tests using it are skipped, visibly.
/// </summary>
public class SqlServerApp : StrongroomApp
{
    public override DatabaseProvider Provider => DatabaseProvider.SqlServer;

    public string ConnectionString { get; private set; } = "";

    protected override async ValueTask<IReadOnlyDictionary<string, string?>> PrepareDatabaseAsync()
    {
        if (SqlServerContainer.UnavailableReason is { } reason)
        {
            SkipReason = reason;
            return new Dictionary<string, string?>();
        }

        ConnectionString = await SqlServerContainer.CreateDatabaseAsync();
        return new Dictionary<string, string?>
        {
            ["Database:Provider"] = "SqlServer",
            ["ConnectionStrings:Strongroom"] = ConnectionString,
        };
    }
}

public static class SqlServerContainer
{
    /// <summary>Pinned so every run tests the same engine build.</summary>
    public const string Image = "mcr.microsoft.com/mssql/server:2022-CU16-ubuntu-22.04";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static MsSqlContainer? _container;

    /// <summary>Set to <c>1</c> where SQL Server must be tested (a CI machine with Docker): a missing engine then fails the tests instead of skipping them.</summary>
    public const string RequireVariable = "STRONGROOM_REQUIRE_SQLSERVER";

    /// <summary>Why the SQL Server tests cannot run here, or null when they can; throws where <see cref="RequireVariable"/> says they must.</summary>
    public static string? UnavailableReason
    {
        get
        {
            if (TestcontainersSettings.OS.DockerEndpointAuthConfig is not null)
            {
                return null;
            }

            const string reason = "No Docker engine here: SQL Server tests run through Testcontainers where Docker exists.";
            return Environment.GetEnvironmentVariable(RequireVariable) == "1"
                ? throw new InvalidOperationException($"{reason} {RequireVariable}=1 says they must run, so they fail rather than skip.")
                : reason;
        }
    }

    /// <summary>Starts the shared container once, then creates an empty database for the caller.</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_container is null)
            {
                var container = new MsSqlBuilder(Image).Build();
                await container.StartAsync();
                _container = container;
            }
        }
        finally
        {
            Gate.Release();
        }

        var name = $"strongroom_{Guid.NewGuid():N}";
        await using (var connection = new SqlConnection(_container.GetConnectionString()))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            // The name is ours (a GUID); identifiers cannot be parameters.
#pragma warning disable DAP241
            command.CommandText = $"CREATE DATABASE [{name}]";
#pragma warning restore DAP241
            await command.ExecuteNonQueryAsync();
        }

        return new SqlConnectionStringBuilder(_container.GetConnectionString()) { InitialCatalog = name, TrustServerCertificate = true }.ConnectionString;
    }
}
