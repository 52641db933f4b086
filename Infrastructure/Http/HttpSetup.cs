using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Strongroom.Infrastructure.Http;

public static class HttpSetup
{
    /// <summary>Every error leaves as RFC 9457 problem details with a <c>code</c> and the trace id.</summary>
    public static IServiceCollection AddStrongroomHttp(this IServiceCollection services)
    {
        services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section)
            .Validate(o => o.MaxRequestBodyBytes > 0, "Api:MaxRequestBodyBytes must be positive.")
            .Validate(o => o.MoneyMovementRateLimit is { PermitLimit: > 0, TokensPerSecond: > 0 }, "Api:MoneyMovementRateLimit needs a positive PermitLimit and TokensPerSecond.")
            .Validate(o => o.KnownProxies.All(proxy => System.Net.IPAddress.TryParse(proxy, out _)), "Api:KnownProxies must be IP addresses.")
            .ValidateOnStart();
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            var status = problem.Status ?? context.HttpContext.Response.StatusCode;
            problem.Extensions.TryAdd(ApiProblems.CodeKey, ApiProblems.DefaultCode(status, problem is HttpValidationProblemDetails));
            problem.Extensions.TryAdd(ApiProblems.TraceIdKey, ApiProblems.TraceIdOf(context.HttpContext));
            if (problem is HttpValidationProblemDetails validation)
            {
                // Name the fields as the client wrote them (camelCase JSON), not as C# spells them.
                validation.Errors = validation.Errors.ToDictionary(error => JsonMemberName(error.Key), error => error.Value);
            }
        });
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        services.AddExceptionHandler<DatabaseUnavailableExceptionHandler>();
        services.AddStrongroomHardening();
        // Binding failures always surface as BadHttpRequestException, so one handler explains them
        // the same way in every environment.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return services;
    }

    private static string JsonMemberName(string path) =>
        string.Join('.', path.Split('.').Select(JsonNamingPolicy.CamelCase.ConvertName));

    /// <summary>Exceptions, bare error statuses (401, 404, 405, 415, …) and oversized bodies become problem details.</summary>
    public static IApplicationBuilder UseStrongroomHttp(this IApplicationBuilder app)
    {
        app.UseJsonAnswers();
        app.UseStrongroomHardening();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        var limit = app.ApplicationServices.GetRequiredService<IOptions<ApiOptions>>().Value.MaxRequestBodyBytes;
        app.Use((context, next) =>
        {
            if (context.Request.ContentLength > limit)
            {
                context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                return Task.CompletedTask;
            }

            // Chunked bodies have no Content-Length: the server stops reading them at the limit (413).
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
            {
                bodySize.MaxRequestBodySize = limit;
            }

            return next(context);
        });
        app.UseRequestBodyChecks();
        DatabaseUnavailableExceptionHandler.UseWriteRefusalWhileDatabaseDown(app);
        return app;
    }
}
