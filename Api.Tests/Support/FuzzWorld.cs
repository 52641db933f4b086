using System.Net;
using System.Text.Json;

namespace Strongroom.Api.Tests.Support;

/// <summary>
/// The people, accounts, transfers and clients a fuzz run aims at, made through the API before it
/// starts: <b>alice</b> is the customer who fuzzes (funded accounts, pending holds, posted
/// transfers); <b>bob</b> is the other customer, whose objects alice must not reach and whose
/// accounts and user the admin's fuzzed account and user controls act on (so freezing, closing or
/// disabling never takes the fuzzing identities' own ground away); <b>carol</b> is who the token
/// endpoint signs in. <see cref="Known"/> hands these out by parameter or member name.
/// </summary>
public sealed class FuzzWorld
{
    public const string Anonymous = "anonymous";
    public const string Customer = "customer";
    public const string Admin = "admin";
    public const string Password = "correct horse battery";

    public static readonly string[] Identities = [Anonymous, Customer, Admin];

    private FuzzWorld(SignedIn admin, SignedIn alice)
    {
        AdminCaller = admin;
        Alice = alice;
    }

    public SignedIn AdminCaller { get; }

    public SignedIn Alice { get; }

    public List<string> AliceAccounts { get; } = [];

    public List<string> BobAccounts { get; } = [];

    public List<string> SettlementAccounts { get; } = [];

    public List<string> Transfers { get; } = [];

    /// <summary>Holds pending when the run starts, by id: what the balances already reserve for them.</summary>
    public Dictionary<string, JsonElement> PendingHolds { get; } = [];

    public string BobId { get; private set; } = "";

    public string CarolId { get; private set; } = "";

    public string CarolEmail { get; private set; } = "";

    public string CarolRefreshToken { get; private set; } = "";

    public string PlatformClientId { get; private set; } = "";

    public string PlatformClientSecret { get; private set; } = "";

    public string TargetClientId { get; private set; } = "";

    public string Token(string identity) => identity switch
    {
        Customer => Alice.Token,
        Admin => AdminCaller.Token,
        _ => "",
    };

    public static async Task<FuzzWorld> CreateAsync(StrongroomApp app)
    {
        var admin = await app.SignInAsAdminAsync();
        var alice = await app.RegisterAndSignInAsync();
        var world = new FuzzWorld(admin, alice);

        var aliceMain = await alice.OpenAccountAsync("EUR", "Main");
        world.AliceAccounts.AddRange([aliceMain, await alice.OpenAccountAsync("EUR", "Savings"), await alice.OpenAccountAsync("USD", "Dollars")]);
        world.Transfers.Add((await admin.DepositAsync(aliceMain, 1_000_000_000)).Id());
        world.Transfers.Add((await admin.DepositAsync(world.AliceAccounts[2], 1_000_000, "USD")).Id());

        var bob = await app.RegisterAndSignInAsync();
        world.BobId = bob.UserId;
        var bobMain = await bob.OpenAccountAsync();
        world.BobAccounts.AddRange([bobMain, await bob.OpenAccountAsync("EUR", "Spare")]);
        await admin.DepositAsync(bobMain, 10_000);
        world.Transfers.Add((await (await bob.PostTransferAsync(LedgerClient.Transfer(bobMain, aliceMain, 100))).AssertJsonAsync(HttpStatusCode.Created)).Id());

        world.Transfers.Add((await (await alice.PostTransferAsync(LedgerClient.Transfer(aliceMain, world.AliceAccounts[1], 100))).AssertJsonAsync(HttpStatusCode.Created)).Id());
        for (var i = 0; i < 30; i++)
        {
            var to = i % 3 == 0 ? bobMain : world.AliceAccounts[1];
            var hold = await (await alice.PostTransferAsync(LedgerClient.Hold(aliceMain, to, 100 + i))).AssertJsonAsync(HttpStatusCode.Created);
            world.PendingHolds[hold.Id()] = hold;
        }

        var carol = await app.RegisterAndSignInAsync();
        (world.CarolId, world.CarolEmail) = (carol.UserId, carol.Email);
        var signIn = await app.CreateClient().PostAsync("/v1/auth/token", StrongroomApp.TokenForm(carol.Email, Password), TestContext.Current.CancellationToken);
        world.CarolRefreshToken = (await signIn.AssertJsonAsync(HttpStatusCode.OK)).GetProperty("refresh_token").GetString()!;

        var platform = await (await admin.Client.PostJsonAsync("/v1/admin/clients", new { ownerId = bob.UserId, name = "Fuzz platform", scopes = new[] { "ledger:read", "ledger:write" } }))
            .AssertJsonAsync(HttpStatusCode.Created);
        (world.PlatformClientId, world.PlatformClientSecret) = (platform.Id(), platform.GetProperty("clientSecret").GetString()!);
        world.TargetClientId = (await (await admin.Client.PostJsonAsync("/v1/admin/clients", new { ownerId = bob.UserId, name = "Fuzz target", scopes = new[] { "ledger:read" } }))
            .AssertJsonAsync(HttpStatusCode.Created)).Id();

        world.SettlementAccounts.AddRange((await admin.BalancesSnapshotAsync()).Where(row => row.OwnerId is null).Select(row => row.AccountId));
        return world;
    }

    /// <summary>An id of the same shape that names nothing: the real one with its last character changed.</summary>
    private static string Unknown(string real) => real[..^1] + (real[^1] == '0' ? '1' : '0');

    /// <summary>
    /// A real value for a slot, by name (null when there is none and the schema's type should decide).
    /// A path's <c>{id}</c> is read by the collection before it (<c>/accounts/{id}</c> is an account).
    /// </summary>
    public string? Known(FuzzSlot slot, Random random)
    {
        var admin = slot.Operation.PathTemplate.StartsWith("/v1/admin/", StringComparison.Ordinal);
        string OneOf(params string[] values) => random.Pick(values);
        string Account() => random.Next(10) switch
        {
            < 6 => random.Pick(AliceAccounts),
            6 => random.Pick(BobAccounts),
            7 => random.Pick(SettlementAccounts),
            8 => Unknown(AliceAccounts[0]),
            _ => AliceAccounts[0],
        };

        if (slot.In == "path")
        {
            var segments = slot.Operation.PathTemplate.Split('/');
            var collection = segments[Math.Max(0, Array.IndexOf(segments, "{" + slot.Name + "}") - 1)];
            return collection switch
            {
                "accounts" when admin => random.Next(8) == 0 ? Unknown(BobAccounts[0]) : random.Pick(BobAccounts),
                "accounts" => Account(),
                "transfers" => random.Next(10) switch
                {
                    < 6 => random.Pick(PendingHolds.Keys.ToList()),
                    < 9 => random.Pick(Transfers),
                    _ => Unknown(Transfers[0]),
                },
                "users" => random.Next(5) == 0 ? Unknown(BobId) : BobId,
                "clients" => random.Next(5) == 0 ? Unknown(TargetClientId) : TargetClientId,
                _ => null,
            };
        }

        if (slot.In == "header")
        {
            return slot.Name == "Idempotency-Key" ? $"fuzz-{slot.CaseIndex}-{random.Next():x}" : null;
        }

        if (slot.In == "query")
        {
            return slot.Name switch
            {
                "limit" => random.Next(1, 101).ToString(System.Globalization.CultureInfo.InvariantCulture),
                "actor" => OneOf(BobId, CarolId, Alice.UserId),
                "action" => OneOf("sign_in_succeeded", "sign_in_failed"),
                _ => null,
            };
        }

        if (slot.In == "item")
        {
            return slot.Name switch
            {
                "scopes" => OneOf("ledger:read", "ledger:write"),
                "roles" => OneOf("customer", "operator"),
                _ => null,
            };
        }

        return slot.Name switch
        {
            "accountId" => Account(),
            "fromAccountId" => random.Next(10) < 7 ? AliceAccounts[0] : Account(),
            "toAccountId" => random.Next(10) < 5 ? AliceAccounts[1] : random.Next(2) == 0 ? BobAccounts[0] : Account(),
            "amount" => random.Next(1, 51).ToString(System.Globalization.CultureInfo.InvariantCulture),
            "limit" => (random.Next(0, 11) * 100).ToString(System.Globalization.CultureInfo.InvariantCulture),
            "currency" => random.Next(6) == 0 ? "USD" : "EUR",
            "name" => $"Fuzz {slot.CaseIndex}",
            "fullName" => "Fuzz Customer",
            "email" => $"fuzz-{slot.CaseIndex}-{random.Next():x}@strongroom.test",
            "password" => Password,
            "description" => "fuzz",
            "ownerId" => OneOf(BobId, CarolId),
            "code" => "123456",
            "token" => random.Next(2) == 0 ? CarolRefreshToken : "not-a-refresh-token",
            "grant_type" => random.Next(10) switch
            {
                < 7 => "password",
                < 9 => "client_credentials",
                _ => "refresh_token",
            },
            "username" => CarolEmail,
            "client_id" => random.Next(2) == 0 ? PlatformClientId : null,
            "client_secret" => random.Next(2) == 0 ? PlatformClientSecret : null,
            "refresh_token" => random.Next(3) == 0 ? "not-a-refresh-token" : null,
            "scope" => random.Next(3) == 0 ? "ledger:read" : null,
            "phone" => "+4915112345678",
            "address" => "Hauptstraße 1, Berlin",
            "dateOfBirth" => "1990-05-17",
            _ => null,
        };
    }
}
