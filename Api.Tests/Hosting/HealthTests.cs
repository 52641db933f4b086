using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Strongroom.Api.Tests.Support;
using Strongroom.Infrastructure.Database;

namespace Strongroom.Api.Tests.Hosting;

public abstract class HealthTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : StrongroomApp
{
    [Fact]
    public async Task Live_and_ready_answer_anonymously_once_migrated()
    {
        var client = app.CreateClient();

        var live = await client.GetAsync("/health/live");
        var ready = await (await client.GetAsync("/health/ready")).AssertJsonAsync(HttpStatusCode.OK);

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("Healthy", ready.GetProperty("status").GetString());
    }
}

public sealed class HealthOnSqlite(SqliteApp app) : HealthTests<SqliteApp>(app);

[Trait("Category", "SqlServer")]
public sealed class HealthOnSqlServer(SqlServerApp app) : HealthTests<SqlServerApp>(app);

public sealed class ReadinessTests(UnmigratedApp app) : IClassFixture<UnmigratedApp>
{
    [Fact]
    public async Task Ready_reports_pending_migrations_until_they_are_applied()
    {
        var client = app.CreateClient();
        var before = await (await client.GetAsync("/health/ready")).AssertJsonAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal("Unhealthy", before.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);

        // What `strongroom migrate` does.
        var applied = await app.Services.GetRequiredService<MigrationRunner>().ApplyAsync(TestContext.Current.CancellationToken);

        Assert.NotEmpty(applied);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
    }
}
