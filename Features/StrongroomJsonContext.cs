using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;
using Strongroom.Features.Accounts;
using Strongroom.Features.Admin;
using Strongroom.Features.Audit;
using Strongroom.Features.Clients;
using Strongroom.Features.Common;
using Strongroom.Features.Events;
using Strongroom.Features.Exchanges;
using Strongroom.Features.Identity;
using Strongroom.Features.Profiles;
using Strongroom.Features.Transfers;
using Strongroom.Features.Users;
using Strongroom.Features.Vocabulary;
using Strongroom.Features.Webhooks;

namespace Strongroom.Features;

/// <summary>Every type that crosses the wire, serialized without reflection.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RegisterRequest))]
[JsonSerializable(typeof(UserResponse))]
[JsonSerializable(typeof(TokenRequest))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(TokenError))]
[JsonSerializable(typeof(RevokeTokenRequest))]
[JsonSerializable(typeof(TotpEnrolmentResponse))]
[JsonSerializable(typeof(TotpCodeRequest))]
[JsonSerializable(typeof(RecoveryCodesResponse))]
[JsonSerializable(typeof(MfaStatusResponse))]
[JsonSerializable(typeof(OpenAccountRequest))]
[JsonSerializable(typeof(AccountResponse))]
[JsonSerializable(typeof(Page<AccountResponse>))]
[JsonSerializable(typeof(Page<EntryResponse>))]
[JsonSerializable(typeof(BalanceAtResponse))]
[JsonSerializable(typeof(CreateTransferRequest))]
[JsonSerializable(typeof(CreateTransferBatchRequest))]
[JsonSerializable(typeof(CaptureHoldRequest))]
[JsonSerializable(typeof(ReverseTransferRequest))]
[JsonSerializable(typeof(ApprovalRequest))]
[JsonSerializable(typeof(ApprovalResponse))]
[JsonSerializable(typeof(Page<ApprovalResponse>))]
[JsonSerializable(typeof(ExternalTransferRequest))]
[JsonSerializable(typeof(TransferResponse))]
[JsonSerializable(typeof(Page<TransferResponse>))]
[JsonSerializable(typeof(OverdraftLimitRequest))]
[JsonSerializable(typeof(UserAdminResponse))]
[JsonSerializable(typeof(Page<UserAdminResponse>))]
[JsonSerializable(typeof(UserRolesRequest))]
[JsonSerializable(typeof(ProfileResponse))]
[JsonSerializable(typeof(Page<AuditEntryResponse>))]
[JsonSerializable(typeof(AuditVerifyResponse))]
[JsonSerializable(typeof(UpdateProfileRequest))]
[JsonSerializable(typeof(VerifyLedgerResponse))]
[JsonSerializable(typeof(IAsyncEnumerable<BalanceSnapshotRow>))]
[JsonSerializable(typeof(TransferBatchResponse))]
[JsonSerializable(typeof(AsyncTransferAccepted))]
[JsonSerializable(typeof(AsyncBatchAccepted))]
// The instructions of a request accepted asynchronously, as the inbox stores them.
[JsonSerializable(typeof(IReadOnlyList<Strongroom.Features.Ledger.TransferInstruction>))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
[JsonSerializable(typeof(CreateClientRequest))]
[JsonSerializable(typeof(CreatedClientResponse))]
[JsonSerializable(typeof(ClientResponse))]
[JsonSerializable(typeof(Page<ClientResponse>))]
[JsonSerializable(typeof(EventResponse))]
[JsonSerializable(typeof(Page<EventResponse>))]
// The event types a list asks for, as the JSON array its statement unpacks.
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(CreateWebhookEndpointRequest))]
[JsonSerializable(typeof(CreatedWebhookEndpointResponse))]
[JsonSerializable(typeof(WebhookEndpointResponse))]
[JsonSerializable(typeof(Page<WebhookEndpointResponse>))]
[JsonSerializable(typeof(RotatedWebhookSecretResponse))]
[JsonSerializable(typeof(WebhookTestResponse))]
[JsonSerializable(typeof(Page<WebhookAttemptResponse>))]
[JsonSerializable(typeof(FxRateRequest))]
[JsonSerializable(typeof(FxRateResponse))]
[JsonSerializable(typeof(CreateExchangeRequest))]
[JsonSerializable(typeof(ExchangeResponse))]
// Stored ledger refusals are problem details; their extension values are strings and integers.
[JsonSerializable(typeof(ProblemDetails))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(int))]
public sealed partial class StrongroomJsonContext : JsonSerializerContext;
