namespace Strongroom.Infrastructure.Http;

/// <summary>Bound from <c>Api</c>.</summary>
public sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary>Largest request body accepted; larger is 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 64 * 1024;

    public DocsOptions Docs { get; set; } = new();

    /// <summary>Browser origins allowed to call the API (CORS); none by default.</summary>
    public string[] CorsOrigins { get; set; } = [];

    /// <summary>Proxies (IP addresses) whose X-Forwarded-For/-Proto are believed; none by default.</summary>
    public string[] KnownProxies { get; set; } = [];

    public MoneyMovementLimitOptions MoneyMovementRateLimit { get; set; } = new();

    public sealed class DocsOptions
    {
        /// <summary>Serve <c>/scalar</c>. Unset means: on in Development and in the embedded default.</summary>
        public bool? Enabled { get; set; }
    }

    /// <summary>A token bucket per user over the money-moving endpoints.</summary>
    public sealed class MoneyMovementLimitOptions
    {
        /// <summary>Burst size.</summary>
        public int PermitLimit { get; set; } = 100;

        /// <summary>Sustained rate.</summary>
        public int TokensPerSecond { get; set; } = 50;
    }
}
