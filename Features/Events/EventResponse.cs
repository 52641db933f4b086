using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Events;

namespace Strongroom.Features.Events;

/// <summary>
/// An event as clients see it, <c>{"id","type","createdAt","data"}</c>: <c>data</c> is the resource
/// (a transfer, an account, an exchange) exactly as its own GET returned it right after the change. Events are
/// immutable and their ids sort in the order they were committed; the same JSON is a webhook
/// delivery's body.
/// </summary>
public sealed record EventResponse(
    [property: RegularExpression(EventIds.Pattern)] string Id,
    [property: AllowedValues(
        EventTypes.TransferPosted, EventTypes.TransferPending, EventTypes.TransferCaptured, EventTypes.TransferVoided, EventTypes.TransferExpired,
        EventTypes.TransferFailed, EventTypes.AccountOpened, EventTypes.AccountFrozen, EventTypes.AccountUnfrozen, EventTypes.AccountClosed,
        EventTypes.AccountOverdraftLimitChanged, EventTypes.ExchangeCompleted, EventTypes.WebhookTest, EventTypes.TransferReversed, EventTypes.ApprovalRequested, EventTypes.ApprovalDecided)]
    string Type,
    DateTimeOffset CreatedAt,
    JsonElement Data)
{
    public static EventResponse From(StoredEvent stored) =>
        new(stored.Id, stored.Type, UnixMicroseconds.ToDateTimeOffset(stored.CreatedAt), JsonElement.Parse(stored.Data));
}
