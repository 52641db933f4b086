namespace Strongroom.Infrastructure.Events;

/// <summary>Every kind of event the service writes; a webhook endpoint subscribes to some of <see cref="Subscribable"/>.</summary>
public static class EventTypes
{
    public const string TransferPosted = "transfer.posted";
    public const string TransferPending = "transfer.pending";
    public const string TransferCaptured = "transfer.captured";
    public const string TransferVoided = "transfer.voided";
    public const string TransferExpired = "transfer.expired";
    public const string TransferFailed = "transfer.failed";

    /// <summary>Data: the original transfer after a reversal of it (its <c>reversedAmount</c> raised); the reversal has its own <c>transfer.posted</c>.</summary>
    public const string TransferReversed = "transfer.reversed";
    public const string AccountOpened = "account.opened";
    public const string AccountFrozen = "account.frozen";
    public const string AccountUnfrozen = "account.unfrozen";
    public const string AccountClosed = "account.closed";
    public const string AccountOverdraftLimitChanged = "account.overdraft_limit_changed";

    /// <summary>Dual control, for staff only. Data: the approval as <c>GET /v1/approvals/{id}</c> answers it.</summary>
    public const string ApprovalRequested = "approval.requested";

    public const string ApprovalDecided = "approval.decided";

    /// <summary>A currency exchange applied (its two legs are also posted as transfer.posted).</summary>
    public const string ExchangeCompleted = "exchange.completed";

    /// <summary>Sent only by <c>POST /v1/webhooks/endpoints/{id}/test</c>, to that endpoint.</summary>
    public const string WebhookTest = "webhook.test";

    /// <summary>What <c>GET /v1/events?types=</c> filters by and a webhook endpoint may subscribe to.</summary>
    public static readonly IReadOnlyList<string> Subscribable =
    [
        TransferPosted, TransferPending, TransferCaptured, TransferVoided, TransferExpired, TransferFailed, TransferReversed,
        AccountOpened, AccountFrozen, AccountUnfrozen, AccountClosed, AccountOverdraftLimitChanged,
        ApprovalRequested, ApprovalDecided,
        ExchangeCompleted,
    ];

    public static bool IsSubscribable(string type) => Subscribable.Contains(type, StringComparer.Ordinal);
}
