using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Strongroom.Api.Tests.Support;

/// <summary>
/// The service with a middleware that, for requests carrying <c>X-Rogue</c>, answers what the
/// document does not promise: the way to see the response check (<see cref="ContractCheckStartupFilter"/>) refuse it.
/// </summary>
public sealed class AppWithRogueAnswers : SqliteApp
{
    public const string Header = "X-Rogue";

    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddSingleton<IStartupFilter, RogueAnswers>();

    private sealed class RogueAnswers : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, following) =>
            {
                switch (context.Request.Headers[Header].ToString())
                {
                    case "status":
                        context.Response.StatusCode = StatusCodes.Status418ImATeapot;
                        return;
                    case "no-location":
                        context.Response.StatusCode = StatusCodes.Status201Created;
                        context.Response.ContentType = "application/json";
                        await context.Response.WriteAsync("""{"id":"acc_x","ownerId":null,"name":"x","currency":"EUR","status":"active","overdraftLimit":0,"balance":{"posted":0,"pending":0,"available":0},"createdAt":"2026-01-01T00:00:00+00:00"}""");
                        return;
                    case "body":
                        context.Response.ContentType = "application/json";
                        await context.Response.WriteAsync("""{"id":"acc_x","status":"sleeping"}""");
                        return;
                    case "endpoint":
                        await context.Response.WriteAsync("a new endpoint nobody documented");
                        return;
                    default:
                        await following(context);
                        return;
                }
            });
            next(app);
        };
    }
}
