using Microsoft.Extensions.Options;
using Strongroom.Infrastructure.Database;

namespace Strongroom.Api.Hosting;

public static partial class DatabasePreparation
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} migration(s) not applied; run `strongroom migrate`. Not ready until then.")]
    private static partial void LogPendingMigrations(ILogger logger, int count);

    /// <summary>
    /// Migrates when configured to. Returns whether the schema is current; when it is not (the
    /// service runs without DDL rights and nobody ran <c>strongroom migrate</c> yet), the service
    /// still starts, <c>/health/ready</c> says what is pending, and a warning is logged.
    /// </summary>
    public static async Task<bool> PrepareDatabaseAsync(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        var migrations = app.Services.GetRequiredService<MigrationRunner>();
        if (options.MigrateOnStartup)
        {
            await migrations.ApplyAsync(app.Lifetime.ApplicationStopping);
            return true;
        }

        var pending = await migrations.PendingAsync(app.Lifetime.ApplicationStopping);
        if (pending.Count > 0)
        {
            LogPendingMigrations(app.Logger, pending.Count);
        }

        return pending.Count == 0;
    }
}
