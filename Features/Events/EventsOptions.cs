namespace Strongroom.Features.Events;

/// <summary>Bound from <c>Events</c>.</summary>
public sealed class EventsOptions
{
    public const string Section = "Events";

    /// <summary>How long an event is kept: older ones are purged (and vanish from <c>/v1/events</c>).</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often events past their retention are looked for.</summary>
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromHours(1);
}
