namespace Strongroom.Features.Webhooks;

/// <summary>Bound from <c>Webhooks</c>.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>The schedule when none is configured: the delay before each retry after a failed attempt.</summary>
    public static readonly IReadOnlyList<TimeSpan> DefaultRetrySchedule =
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2),
        TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10),
    ];

    /// <summary>
    /// Allow endpoint URLs whose host is or resolves to a loopback, private, link-local or
    /// unique-local address (tests, on loopback receivers). Cloud metadata addresses stay refused.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>Allow <c>http</c> endpoint URLs outside Development (tests, on loopback receivers). Never in production: deliveries carry customer data.</summary>
    public bool AllowHttp { get; set; }

    /// <summary>How long one attempt may take, connection included; past it the attempt failed and is retried.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The delay before each retry; after the last one fails the endpoint is disabled. Unset: <see cref="DefaultRetrySchedule"/>.</summary>
    public List<TimeSpan>? RetrySchedule { get; set; }

    /// <summary>The longest a receiver's <c>Retry-After</c> may push a retry back.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromHours(12);

    /// <summary>How long the previous secret keeps signing after <c>rotate-secret</c>.</summary>
    public TimeSpan SecretOverlap { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often a replica looks for new events and due deliveries when nothing wakes it sooner.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a replica's claim on a delivery lasts; a crashed replica's claims are taken over after it. Longer than <see cref="Timeout"/>.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Attempts in flight at once on one replica, all endpoints together.</summary>
    public int MaxConcurrentDeliveries { get; set; } = 32;

    /// <summary>Attempts in flight at once to one endpoint on one replica (also its connection limit), so a slow receiver holds only its own.</summary>
    public int MaxConcurrentPerEndpoint { get; set; } = 4;

    /// <summary>How often finished deliveries and their attempts are forgotten once their event is gone (purged past <c>Events:Retention</c>).</summary>
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromHours(1);

    public IReadOnlyList<TimeSpan> Schedule => RetrySchedule is { Count: > 0 } configured ? configured : DefaultRetrySchedule;
}
