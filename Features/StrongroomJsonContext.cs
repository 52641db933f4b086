using System.Text.Json;
using System.Text.Json.Serialization;
using Strongroom.Features.Accounts;
using Strongroom.Features.Common;
using Strongroom.Features.Identity;

namespace Strongroom.Features;

/// <summary>Every type that crosses the wire, serialized without reflection.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RegisterRequest))]
[JsonSerializable(typeof(UserResponse))]
[JsonSerializable(typeof(TokenRequest))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(TokenError))]
[JsonSerializable(typeof(OpenAccountRequest))]
[JsonSerializable(typeof(AccountResponse))]
[JsonSerializable(typeof(Page<AccountResponse>))]
public sealed partial class StrongroomJsonContext : JsonSerializerContext;
