using System.ComponentModel.DataAnnotations;

namespace Strongroom.Features.Vocabulary;

/// <summary>
/// The 202 of <c>POST /v1/transfers</c> with <c>Prefer: respond-async</c>: the transfer's id, and
/// that it is being processed; <c>GET /v1/transfers/{id}</c> tells the outcome.
/// </summary>
public sealed record AsyncTransferAccepted(string Id, [property: AllowedValues(TransferStatuses.Processing)] string Status);

/// <summary>The 202 of <c>POST /v1/transfers/batch</c> with <c>Prefer: respond-async</c>: the ids of the batch's transfers, in request order.</summary>
public sealed record AsyncBatchAccepted(IReadOnlyList<string> Ids, [property: AllowedValues(TransferStatuses.Processing)] string Status);

/// <summary>Why a transfer accepted asynchronously was refused: the problem a synchronous request would have got.</summary>
public sealed record TransferFailure(string Code, string Detail);
