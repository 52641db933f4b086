using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;
using Microsoft.Kiota.Http.HttpClientLibrary.Middleware.Options;
using Strongroom.Client;
using Strongroom.Client.Models;

// A customer's day through the client Kiota generated from the service's own document, nothing
// hand-written on the wire: register, sign in with the password grant, open two accounts, get a
// deposit from the admin, transfer with an Idempotency-Key, replay it, be refused, read the
// statement and the account. Prints what it saw as "name: value" lines for the test to judge.
// Usage: KiotaFlow <base-url> <admin-email> <admin-password>
if (args.Length != 3)
{
    Console.Error.WriteLine("Usage: KiotaFlow <base-url> <admin-email> <admin-password>");
    return 2;
}

var (baseUrl, adminEmail, adminPassword) = (args[0], args[1], args[2]);
using var http = KiotaClientFactory.Create();
var anonymous = Client(new AnonymousAuthenticationProvider());

var email = $"kiota-{Guid.NewGuid():N}@strongroom.test";
const string password = "correct horse battery";
var user = await anonymous.V1.Auth.Register.PostAsync(new RegisterRequest { Email = email, Password = password, FullName = "Kiota Customer" });
Report("registered", user?.Email);

var customer = Client(await SignInAsync(email, password));
var main = await customer.V1.Accounts.PostAsync(new OpenAccountRequest { Currency = "EUR", Name = "Main" });
var savings = await customer.V1.Accounts.PostAsync(new OpenAccountRequest { Currency = "EUR", Name = "Savings" });
Report("opened", $"{main?.Name} {savings?.Name}");

var admin = Client(await SignInAsync(adminEmail, adminPassword));
var deposit = await admin.V1.Deposits.PostAsync(
    new ExternalTransferRequest { AccountId = main!.Id, Amount = 10_000, Currency = "EUR", Description = "Opening deposit" },
    config => config.Headers.Add("Idempotency-Key", $"deposit-{Guid.NewGuid():N}"));
Report("deposit", $"{deposit?.Status} {deposit?.Amount}");

var transferKey = $"transfer-{Guid.NewGuid():N}";
var transfer = new CreateTransferRequest { FromAccountId = main.Id, ToAccountId = savings!.Id, Amount = 2_500, Currency = "EUR", Description = "To savings" };
var (first, firstHeaders) = await TransferAsync(transfer, transferKey);
var (replay, replayHeaders) = await TransferAsync(transfer, transferKey);
Report("transfer", $"{first?.Id} {first?.Status} {first?.Amount}");
Report("transfer.replayed", Header(firstHeaders, "Idempotency-Replayed") ?? "(absent)");
Report("replay", $"{replay?.Id} {replay?.Status} {replay?.Amount}");
Report("replay.replayed", Header(replayHeaders, "Idempotency-Replayed") ?? "(absent)");

try
{
    var tooMuch = new CreateTransferRequest { FromAccountId = main.Id, ToAccountId = savings.Id, Amount = 1_000_000, Currency = "EUR" };
    await TransferAsync(tooMuch, $"refused-{Guid.NewGuid():N}");
    Report("refusal", "(none: the transfer went through)");
}
catch (Problem problem)
{
    // The refusal is the generated error type, its code a typed property.
    Report("refusal", $"{problem.ResponseStatusCode} {problem.Code}");
    Report("refusal.traceId", string.IsNullOrEmpty(problem.TraceId) ? "(absent)" : "(present)");
}

var statement = await customer.V1.Accounts[main.Id].Entries.GetAsync();
Report("statement", string.Join(' ', statement?.Items?.Select(entry => entry.Amount) ?? []));
var account = await customer.V1.Accounts[main.Id].GetAsync();
Report("account", $"{account?.Id == main.Id} {account?.Balance?.Posted} {account?.Balance?.Available}");
return 0;

StrongroomClient Client(IAuthenticationProvider authentication) =>
    new(new HttpClientRequestAdapter(authentication, httpClient: http) { BaseUrl = baseUrl });

async Task<IAuthenticationProvider> SignInAsync(string username, string secret)
{
    var token = await anonymous.V1.Auth.Token.PostAsync(new TokenRequest { GrantType = TokenRequest_grant_type.Password, Username = username, Password = secret });
    Report("signed-in", $"{token?.TokenType} {!string.IsNullOrEmpty(token?.AccessToken)}");
    return new BaseBearerTokenAuthenticationProvider(new StaticAccessToken(token!.AccessToken!));
}

async Task<(TransferResponse? Transfer, HeadersInspectionHandlerOption Headers)> TransferAsync(CreateTransferRequest request, string key)
{
    var headers = new HeadersInspectionHandlerOption { InspectResponseHeaders = true };
    var response = await customer.V1.Transfers.PostAsync(request, config =>
    {
        config.Headers.Add("Idempotency-Key", key);
        config.Options.Add(headers);
    });
    return (response, headers);
}

static string? Header(HeadersInspectionHandlerOption headers, string name) =>
    headers.ResponseHeaders.TryGetValue(name, out var values) ? string.Join(',', values) : null;

static void Report(string name, string? value) => Console.WriteLine($"{name}: {value}");

/// <summary>The access token from the password grant, sent as the bearer token of every request.</summary>
internal sealed class StaticAccessToken(string token) : IAccessTokenProvider
{
    public AllowedHostsValidator AllowedHostsValidator { get; } = new();

    public Task<string> GetAuthorizationTokenAsync(Uri uri, Dictionary<string, object>? additionalAuthenticationContext = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(token);
}
