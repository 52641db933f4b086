using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Strongroom.Api.Tests.Hosting;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Security;

/// <summary>
/// One end-to-end attack per item of the OWASP API Security Top 10 (2023), made as a client would
/// make it, against <see cref="OwaspApp"/>. Each test names its item; each would fail were the
/// control it relies on removed. The README's security section maps every item to its control
/// and to the test here.
/// <para>
/// API7 (server-side request forgery) applies only narrowly: no endpoint takes a URL or fetches
/// anything a client names. The service's only outbound calls are OpenID Connect discovery and
/// JWKS at the configured <c>Auth:Authority</c>, so the test proves that a token cannot steer them
/// elsewhere (by its issuer, or by <c>jku</c>/<c>x5u</c> headers).
/// </para>
/// </summary>
public sealed class OwaspApiTop10Tests(OwaspApp app) : IClassFixture<OwaspApp>
{
    private const string Password = "correct horse battery";
    private const string UnknownAccount = "acc_00000000000000000000000000";
    private const string UnknownTransfer = "trf_00000000000000000000000000";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    // API1:2023 Broken Object Level Authorization

    [Fact]
    public async Task API1_broken_object_level_authorization_another_customers_objects_answer_as_if_they_did_not_exist()
    {
        var admin = await app.AdminAsync();
        var (alice, aliceMain) = await app.OpenFundedAccountAsync(admin, 1_000);
        var aliceSavings = await alice.OpenAccountAsync();
        var transfer = await (await alice.PostTransferAsync(LedgerClient.Transfer(aliceMain, aliceSavings, 100))).AssertJsonAsync(HttpStatusCode.Created);
        var hold = await (await alice.PostTransferAsync(LedgerClient.Hold(aliceMain, aliceSavings, 200))).AssertJsonAsync(HttpStatusCode.Created);
        var balance = await alice.BalanceAsync(aliceMain);
        var entries = await alice.EntriesAsync(aliceMain);

        var mallory = await app.RegisterAndSignInAsync();
        var malloryAccount = await mallory.OpenAccountAsync();
        var (clientId, secret) = await CreateServiceClientAsync(admin, mallory.UserId, "ledger:read", "ledger:write");
        var malloryPlatform = Bearer(await ClientTokenAsync(clientId, secret));

        // Each attempt on Alice's objects, and the same call with an id that exists nowhere: a 404
        // (not a 403) that reads exactly the same, so ids cannot even be probed.
        (HttpResponseMessage Foreign, HttpResponseMessage Missing)[] attempts =
        [
            (await mallory.Client.GetAsync($"/v1/accounts/{aliceMain}", Cancel), await mallory.Client.GetAsync($"/v1/accounts/{UnknownAccount}", Cancel)),
            (await mallory.Client.GetAsync($"/v1/accounts/{aliceMain}/entries", Cancel), await mallory.Client.GetAsync($"/v1/accounts/{UnknownAccount}/entries", Cancel)),
            (await mallory.GetTransferAsync(transfer.Id()), await mallory.GetTransferAsync(UnknownTransfer)),
            (await mallory.PostTransferAsync(LedgerClient.Transfer(aliceMain, malloryAccount, 500)),
                await mallory.PostTransferAsync(LedgerClient.Transfer(UnknownAccount, malloryAccount, 500))),
            (await mallory.CaptureAsync(hold.Id()), await mallory.CaptureAsync(UnknownTransfer)),
            (await mallory.VoidAsync(hold.Id()), await mallory.VoidAsync(UnknownTransfer)),
            // Mallory's platform (a service client acting for Mallory) fares no better.
            (await malloryPlatform.GetAsync($"/v1/accounts/{aliceMain}", Cancel), await malloryPlatform.GetAsync($"/v1/accounts/{UnknownAccount}", Cancel)),
            (await malloryPlatform.GetAsync($"/v1/transfers/{transfer.Id()}", Cancel), await malloryPlatform.GetAsync($"/v1/transfers/{UnknownTransfer}", Cancel)),
            (await malloryPlatform.PostWithKeyAsync("/v1/transfers", LedgerClient.Transfer(aliceMain, malloryAccount, 500), LedgerClient.NewKey()),
                await malloryPlatform.PostWithKeyAsync("/v1/transfers", LedgerClient.Transfer(UnknownAccount, malloryAccount, 500), LedgerClient.NewKey())),
        ];

        foreach (var (foreign, missing) in attempts)
        {
            var seen = await foreign.AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
            var nothing = await missing.AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
            Assert.Equal(nothing.GetProperty("title").GetString(), seen.GetProperty("title").GetString());
            Assert.Equal(nothing.GetProperty("detail").GetString(), seen.GetProperty("detail").GetString());
        }

        // Nothing moved, nothing settled, and Mallory's list holds only Mallory's account.
        Assert.Equal(balance, await alice.BalanceAsync(aliceMain));
        Assert.Equal(entries, await alice.EntriesAsync(aliceMain));
        Assert.Equal("pending", (await (await alice.GetTransferAsync(hold.Id())).AssertJsonAsync(HttpStatusCode.OK)).Status());
        var listed = await (await mallory.Client.GetAsync("/v1/accounts?limit=100", Cancel)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal([malloryAccount], listed.GetProperty("items").EnumerateArray().Select(item => item.Id()));
    }

    // API2:2023 Broken Authentication

    [Fact]
    public async Task API2_broken_authentication_forged_expired_and_misused_tokens_are_refused()
    {
        var (user, refreshToken) = await RegisterWithRefreshTokenAsync();
        var now = DateTime.UtcNow;
        var forgeries = new Dictionary<string, string>
        {
            ["alg none"] = Jwt.Unsigned($$"""{"sub":"{{user.UserId}}","role":"admin","iss":"strongroom","aud":"strongroom-api","exp":{{DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds()}}}"""),
            ["signed with another key"] = Jwt.Sign(RandomNumberGenerator.GetBytes(32), user.UserId, ["admin"]),
            // Past the 30 s clock-skew allowance.
            ["expired"] = Jwt.Sign(app.SigningKey, user.UserId, ["customer"], expires: now.AddSeconds(-45), notBefore: now.AddMinutes(-20)),
            ["another issuer"] = Jwt.Sign(app.SigningKey, user.UserId, ["customer"], issuer: "https://evil.example"),
            ["another audience"] = Jwt.Sign(app.SigningKey, user.UserId, ["customer"], audience: "another-api"),
            // Right key and claims, but not typed as an access token (RFC 9068): some other JWT under the same key.
            ["not an access token"] = Jwt.Sign(app.SigningKey, user.UserId, ["customer"], type: "JWT"),
            ["a refresh token"] = refreshToken,
            ["a customer's token promoted to admin"] = Promote(user.Token),
        };

        // The genuine token works, so the refusals below are about the tokens, not the request.
        Assert.Equal(HttpStatusCode.OK, (await user.Client.GetAsync("/v1/accounts", Cancel)).StatusCode);
        foreach (var (what, token) in forgeries)
        {
            var response = await Bearer(token).GetAsync("/v1/accounts", Cancel);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"A token {what} was not refused: {(int)response.StatusCode}.");
            await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
            Assert.Contains(response.Headers.WwwAuthenticate, header => header.Scheme == "Bearer");
        }
    }

    [Fact]
    public async Task API2_broken_authentication_an_unknown_user_and_a_wrong_password_get_the_same_answer()
    {
        var (user, _) = await RegisterWithRefreshTokenAsync();

        var wrongPassword = await PasswordGrantAsync(user.Email, "not the password");
        var unknownUser = await PasswordGrantAsync(NewEmail(), "not the password");

        Assert.Equal(HttpStatusCode.BadRequest, wrongPassword.StatusCode);
        Assert.Equal(wrongPassword.StatusCode, unknownUser.StatusCode);
        Assert.Equal("""{"error":"invalid_grant"}""", await wrongPassword.BodyAsync());
        Assert.Equal(await wrongPassword.BodyAsync(), await unknownUser.BodyAsync());
        Assert.Equal(wrongPassword.Content.Headers.ContentType, unknownUser.Content.Headers.ContentType);
        Assert.Equal(wrongPassword.Headers.CacheControl, unknownUser.Headers.CacheControl);
    }

    [Fact]
    public async Task API2_broken_authentication_repeated_failures_lock_sign_in_with_429_and_retry_after()
    {
        var email = NewEmail();
        await (await app.CreateClient().PostJsonAsync("/v1/auth/register", new { email, password = Password, fullName = "Test Customer" })).AssertJsonAsync(HttpStatusCode.Created);

        // Auth:Lockout:AccountFailures is 3 here.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await PasswordGrantAsync(email, $"guess number {i}")).StatusCode);
        }

        // Now even the right password is refused, before it is checked.
        var locked = await PasswordGrantAsync(email, Password);

        await locked.AssertProblemAsync(HttpStatusCode.TooManyRequests, "sign_in_locked");
        Assert.InRange(int.Parse(Assert.Single(locked.Headers.GetValues("Retry-After")), CultureInfo.InvariantCulture), 1, 15 * 60);
    }

    // API3:2023 Broken Object Property Level Authorization

    [Fact]
    public async Task API3_broken_object_property_level_authorization_a_client_cannot_write_properties_it_does_not_own()
    {
        var email = NewEmail();
        var anonymous = app.CreateClient();

        await (await anonymous.PostJsonAsync("/v1/auth/register", new { email, password = Password, fullName = "Mallory", role = "admin" }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
        await (await anonymous.PostJsonAsync("/v1/auth/register", new { email, password = Password, fullName = "Mallory", roles = new[] { "admin" }, status = "active" }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_request");

        // Nothing was created by the refused attempts: the address registers cleanly, as a plain customer.
        var mallory = await app.RegisterAndSignInAsync(email);
        Assert.Equal("customer", Jwt.Payload(mallory.Token).GetProperty("role").GetString());

        object[] accountAttempts =
        [
            new { currency = "EUR", name = "Rich", balance = 1_000_000 },
            new { currency = "EUR", name = "Theirs", ownerId = "usr_00000000000000000000000000" },
            new { currency = "EUR", name = "Unfreezable", status = "active" },
            new { currency = "EUR", name = "Bottomless", overdraftLimit = 1_000_000 },
            new { currency = "EUR", name = "Bank's own", kind = "settlement" },
        ];
        foreach (var body in accountAttempts)
        {
            await (await mallory.Client.PostJsonAsync("/v1/accounts", body)).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
        }

        object[] profileAttempts =
        [
            new { status = "active" },
            new { roles = new[] { "admin" } },
            new { email = "someone-else@example.test" },
            new { id = "usr_00000000000000000000000000" },
            new { fullName = "Mallory", passwordHash = "pbkdf2-sha512$1$AAAA$AAAA" },
        ];
        foreach (var body in profileAttempts)
        {
            await (await mallory.Client.PatchAsJsonAsync("/v1/me", body, Cancel)).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
        }

        var accounts = await (await mallory.Client.GetAsync("/v1/accounts", Cancel)).AssertJsonAsync(HttpStatusCode.OK);
        var profile = await (await mallory.Client.GetAsync("/v1/me", Cancel)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Empty(accounts.GetProperty("items").EnumerateArray());
        Assert.Equal(mallory.UserId, profile.GetProperty("id").GetString());
        Assert.Equal(email, profile.GetProperty("email").GetString());
        Assert.Equal("Test Customer", profile.GetProperty("fullName").GetString());
        Assert.Equal(["customer"], profile.GetProperty("roles").EnumerateArray().Select(role => role.GetString()));
        Assert.Equal(HttpStatusCode.OK, (await PasswordGrantAsync(email, Password)).StatusCode);
    }

    [Fact]
    public async Task API3_broken_object_property_level_authorization_responses_never_carry_secrets_or_another_users_personal_data()
    {
        var admin = await app.AdminAsync();
        var alice = new { email = NewEmail(), fullName = $"Alice {Guid.NewGuid():N}", phone = "+44 20 7946 0001", address = "7 Secret Row, Leeds" };
        var registered = await (await app.CreateClient().PostJsonAsync("/v1/auth/register", new { alice.email, password = Password, alice.fullName }))
            .AssertJsonAsync(HttpStatusCode.Created);
        var aliceId = registered.Id();
        var issued = await (await PasswordGrantAsync(alice.email, Password)).AssertJsonAsync(HttpStatusCode.OK);
        var aliceClient = Bearer(issued.GetProperty("access_token").GetString()!);
        var aliceSignedIn = new SignedIn(aliceId, alice.email, issued.GetProperty("access_token").GetString()!, aliceClient);
        var refreshToken = issued.GetProperty("refresh_token").GetString()!;
        await (await aliceClient.PatchAsJsonAsync("/v1/me", new { alice.phone, alice.address, dateOfBirth = "1988-02-29" }, Cancel)).AssertJsonAsync(HttpStatusCode.OK);
        var aliceAccount = await aliceSignedIn.OpenAccountAsync();
        await admin.DepositAsync(aliceAccount, 500);
        var (bob, bobAccount) = await app.OpenFundedAccountAsync(admin, 0);
        var transfer = await (await aliceSignedIn.PostTransferAsync(LedgerClient.Transfer(aliceAccount, bobAccount, 50))).AssertJsonAsync(HttpStatusCode.Created);
        var (clientId, clientSecret) = await CreateServiceClientAsync(admin, aliceId, "ledger:read");
        var platform = Bearer(await ClientTokenAsync(clientId, clientSecret));

        // What the other customer sees of Alice: the transfer she sent him, and his own things.
        string[] seenByBob =
        [
            await BodyOfAsync(bob.Client, $"/v1/transfers/{transfer.Id()}"),
            await BodyOfAsync(bob.Client, $"/v1/accounts/{bobAccount}"),
            await BodyOfAsync(bob.Client, $"/v1/accounts/{bobAccount}/entries"),
            await BodyOfAsync(bob.Client, "/v1/me"),
        ];
        // What Alice, her platform and the admins see.
        string[] seenByOthers =
        [
            registered.GetRawText(),
            await BodyOfAsync(aliceClient, "/v1/me"),
            await BodyOfAsync(aliceClient, $"/v1/accounts/{aliceAccount}"),
            await BodyOfAsync(platform, $"/v1/accounts/{aliceAccount}/entries"),
            await BodyOfAsync(admin.Client, $"/v1/admin/users/{aliceId}"),
            await BodyOfAsync(admin.Client, "/v1/admin/users?limit=100"),
            await BodyOfAsync(admin.Client, $"/v1/admin/clients/{clientId}"),
            await BodyOfAsync(admin.Client, "/v1/admin/clients?limit=100"),
            await BodyOfAsync(admin.Client, "/v1/admin/audit?limit=100"),
        ];

        var passwordHash = await StoredPasswordHashAsync(aliceId);
        string[] secrets = [Password, passwordHash, passwordHash.Split('$')[2], "pbkdf2", clientSecret, Sha256Hex(clientSecret), refreshToken, Sha256Hex(refreshToken)];
        foreach (var body in seenByBob.Concat(seenByOthers))
        {
            Assert.All(secrets, secret => Assert.DoesNotContain(secret, body, StringComparison.Ordinal));
            Assert.All(PropertyNames(JsonDocument.Parse(body).RootElement), name =>
                Assert.DoesNotMatch("(?i)password|secret|token_?hash|salt", name));
        }

        foreach (var body in seenByBob)
        {
            Assert.All(new[] { alice.email, alice.fullName, alice.phone, alice.address, "1988-02-29" }, value => Assert.DoesNotContain(value, body, StringComparison.OrdinalIgnoreCase));
        }

        // The audit log names people by id only: none of Alice's personal values are in it.
        var audit = seenByOthers[^1];
        Assert.Contains(aliceId, audit, StringComparison.Ordinal);
        Assert.All(new[] { alice.email, alice.fullName, alice.phone, alice.address }, value => Assert.DoesNotContain(value, audit, StringComparison.OrdinalIgnoreCase));
    }

    // API4:2023 Unrestricted Resource Consumption

    [Fact]
    public async Task API4_unrestricted_resource_consumption_bodies_pages_and_batches_are_capped()
    {
        var admin = await app.AdminAsync();
        var (user, account) = await app.OpenFundedAccountAsync(admin, 1_000);
        var oversized = $$"""{"currency":"EUR","name":"{{new string('x', 70 * 1024)}}"}""";

        // Over 64 KB, declared up front or streamed in chunks without a length.
        var declared = await user.Client.PostRawAsync("/v1/accounts", oversized, "application/json");
        var chunked = new StreamContent(new UnseekableStream(Encoding.UTF8.GetBytes(oversized)));
        chunked.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var streamed = await user.Client.PostAsync("/v1/accounts", chunked, Cancel);
        await declared.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        await streamed.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");

        // Pages: at most 100 items, everywhere.
        Assert.Equal(HttpStatusCode.OK, (await user.Client.GetAsync("/v1/accounts?limit=100", Cancel)).StatusCode);
        string[] overLimit = ["/v1/accounts?limit=101", $"/v1/accounts/{account}/entries?limit=101", "/v1/admin/users?limit=101", "/v1/admin/audit?limit=101",
            "/v1/admin/clients?limit=101", "/v1/accounts?limit=1000000"];
        foreach (var path in overLimit)
        {
            var caller = path.StartsWith("/v1/admin", StringComparison.Ordinal) ? admin : user;
            await (await caller.Client.GetAsync(path, Cancel)).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        }

        // Batches: at most 100 transfers in one request; a bigger one is refused whole.
        var payee = await user.OpenAccountAsync();
        var batch = await user.PostBatchAsync(Enumerable.Range(0, 101).Select(_ => LedgerClient.Transfer(account, payee, 1)));
        await batch.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal(new Balance(1_000, 0, 1_000), await user.BalanceAsync(account));
    }

    [Fact]
    public async Task API4_unrestricted_resource_consumption_a_burst_of_money_movements_is_rate_limited_per_user()
    {
        var admin = await app.AdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);

        var elapsed = System.Diagnostics.Stopwatch.StartNew();
        var burst = await Task.WhenAll(Enumerable.Range(0, 3 * OwaspApp.MoneyMovementBurst)
            .Select(_ => alice.PostTransferAsync(LedgerClient.Transfer(from, to, 1))));
        elapsed.Stop();

        var moved = burst.Count(response => response.StatusCode == HttpStatusCode.Created);
        var limited = burst.Where(response => response.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(burst.Length, moved + limited.Count);
        // The bucket holds ten and refills one a second: no more got through than that allows.
        Assert.InRange(moved, 1, OwaspApp.MoneyMovementBurst + (int)Math.Ceiling(elapsed.Elapsed.TotalSeconds));
        Assert.NotEmpty(limited);
        await limited[0].AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.All(limited, response => Assert.True(int.Parse(Assert.Single(response.Headers.GetValues("Retry-After")), CultureInfo.InvariantCulture) >= 1));
        Assert.Equal(1_000 - moved, (await alice.BalanceAsync(from)).Posted);
        // Only Alice is held back, and only from moving money.
        Assert.Equal(HttpStatusCode.OK, (await alice.Client.GetAsync($"/v1/accounts/{from}", Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await bob.PostTransferAsync(LedgerClient.Transfer(to, from, 1))).StatusCode);
    }

    // API5:2023 Broken Function Level Authorization

    [Fact]
    public async Task API5_broken_function_level_authorization_a_customer_is_refused_every_staff_and_admin_function_and_each_refusal_is_audited()
    {
        var admin = await app.AdminAsync();
        var customer = await app.RegisterAndSignInAsync();
        var ownAccount = await customer.OpenAccountAsync();

        // Every staff and admin operation the service maps, found from its endpoints, so a new one is covered too.
        var privileged = EndpointCatalog.ApiOperations(app.Services)
            .Where(operation => PolicyOf(operation.Endpoint) is "staff" or "admin")
            .ToList();
        Assert.Contains(privileged, operation => operation.Route == "/v1/admin/users/{id}/roles");
        Assert.Contains(privileged, operation => operation.Route == "/v1/deposits");

        var attempted = new List<string>();
        foreach (var operation in privileged)
        {
            // Aimed at the customer's own things: granting themselves admin, lifting their own overdraft limit, minting money.
            var path = operation.Route.Replace("{id}", operation.Route.Contains("/users/", StringComparison.Ordinal) ? customer.UserId
                : operation.Route.Contains("/accounts/", StringComparison.Ordinal) ? ownAccount : "cli_00000000000000000000000000", StringComparison.Ordinal)
                .Replace("{base}", "EUR", StringComparison.Ordinal).Replace("{quote}", "USD", StringComparison.Ordinal);
            using var request = new HttpRequestMessage(new HttpMethod(operation.Method), path);
            if (operation.Method is "POST" or "PUT" or "PATCH")
            {
                request.Content = JsonContent.Create(AttackBody(operation.Route, customer.UserId, ownAccount));
                request.Headers.Add(LedgerClient.IdempotencyKeyHeader, LedgerClient.NewKey());
            }

            var response = await customer.Client.SendAsync(request, Cancel);

            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{operation.Method} {path} answered a customer with {(int)response.StatusCode}.");
            await response.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
            attempted.Add($"{operation.Method} {path}");
        }

        // Still a customer, with nothing deposited, frozen or raised.
        var profile = await (await customer.Client.GetAsync("/v1/me", Cancel)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal(["customer"], profile.GetProperty("roles").EnumerateArray().Select(role => role.GetString()));
        Assert.Equal(new Balance(0, 0, 0), await customer.BalanceAsync(ownAccount));
        var account = await customer.AccountAsync(ownAccount);
        Assert.Equal("active", account.GetProperty("status").GetString());
        Assert.Equal(0, account.GetProperty("overdraftLimit").GetInt64());

        // Each refusal is in the audit log, and so many in a row are flagged as suspicious.
        var denials = await AuditAsync(admin, $"action=authorization_denied&actor={customer.UserId}");
        Assert.Equal(attempted.Order(StringComparer.Ordinal), denials.Select(entry => entry.GetProperty("target").GetString()!).Order(StringComparer.Ordinal));
        var flagged = await AuditAsync(admin, "action=suspicious_activity");
        Assert.Contains(flagged, entry => entry.GetProperty("target").GetString() == customer.UserId
            && entry.GetProperty("details").GetString() == "authorization_denials_by_user");
    }

    [Fact]
    public async Task API5_broken_function_level_authorization_service_clients_get_no_staff_power_and_only_their_scopes()
    {
        var admin = await app.AdminAsync();
        var (owner, account) = await app.OpenFundedAccountAsync(admin, 1_000);
        // A client whose owner is an admin, with every scope there is: still no administration.
        var (adminsClientId, adminsSecret) = await CreateServiceClientAsync(admin, admin.UserId, "ledger:read", "ledger:write");
        var adminsPlatform = Bearer(await ClientTokenAsync(adminsClientId, adminsSecret));
        var (readerId, readerSecret) = await CreateServiceClientAsync(admin, owner.UserId, "ledger:read");
        var reader = Bearer(await ClientTokenAsync(readerId, readerSecret));

        Assert.Equal(HttpStatusCode.OK, (await admin.Client.GetAsync("/v1/admin/users", Cancel)).StatusCode);
        await (await adminsPlatform.GetAsync("/v1/admin/users", Cancel)).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await adminsPlatform.GetAsync("/v1/admin/audit", Cancel)).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await adminsPlatform.PostJsonAsync("/v1/admin/clients", new { ownerId = admin.UserId, name = "Another", scopes = new[] { "ledger:write" } }))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await adminsPlatform.PostWithKeyAsync("/v1/deposits", new { accountId = account, amount = 1_000_000, currency = "EUR" }, LedgerClient.NewKey()))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");

        // A read-only client reads, and writes nothing.
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync($"/v1/accounts/{account}", Cancel)).StatusCode);
        await (await reader.PostWithKeyAsync("/v1/transfers", LedgerClient.Transfer(account, account, 1), LedgerClient.NewKey()))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await reader.PostJsonAsync("/v1/accounts", new { currency = "EUR", name = "Side" })).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await reader.GetAsync("/v1/me", Cancel)).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(new Balance(1_000, 0, 1_000), await owner.BalanceAsync(account));
    }

    // API6:2023 Unrestricted Access to Sensitive Business Flows

    [Fact]
    public async Task API6_sensitive_business_flows_a_replayed_payment_moves_money_once()
    {
        var admin = await app.AdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var key = LedgerClient.NewKey();

        // A double click, a retrying client, a script: the same payment four times at once, then again later.
        var burst = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => alice.PostTransferAsync(LedgerClient.Transfer(from, to, 250), key)));
        var later = await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 250), key);
        var altered = await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 900), key);
        var keyless = await alice.Client.PostWithKeyAsync("/v1/transfers", LedgerClient.Transfer(from, to, 250), idempotencyKey: null);

        // One request made the payment; the others at the same moment were told it is in progress, or given its answer again.
        var original = await later.AssertJsonAsync(HttpStatusCode.Created);
        Assert.True(later.IsReplayed());
        Assert.Single(burst, response => response.StatusCode == HttpStatusCode.Created && !response.IsReplayed());
        foreach (var response in burst)
        {
            if (response.StatusCode == HttpStatusCode.Conflict)
            {
                await response.AssertProblemAsync(HttpStatusCode.Conflict, "idempotency_key_in_use");
            }
            else
            {
                Assert.Equal(original.GetRawText(), (await response.AssertJsonAsync(HttpStatusCode.Created)).GetRawText());
            }
        }

        // The key cannot be reused for another payment, and no payment goes without one.
        await altered.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
        await keyless.AssertProblemAsync(HttpStatusCode.BadRequest, "idempotency_key_missing");
        Assert.Equal(new Balance(750, 0, 750), await alice.BalanceAsync(from));
        Assert.Equal([250L], (await bob.EntriesAsync(to)).Select(entry => entry.Amount));
    }

    // API7:2023 Server Side Request Forgery

    [Fact]
    public async Task API7_server_side_request_forgery_a_token_cannot_make_the_service_fetch_from_an_address_it_names()
    {
        await using var elsewhere = await FakeOpenIdProvider.StartAsync();
        var subject = $"idp|{Guid.NewGuid():N}";
        // Issued "by" another server: a naive resource server would fetch that issuer's discovery document.
        var foreignIssuer = elsewhere.Mint(subject);
        // Claims the trusted authority, but points at keys elsewhere (jku, x5u) and is signed with those.
        var pointingElsewhere = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = app.Authority.Issuer,
            Audience = "strongroom-api",
            Expires = DateTime.UtcNow.AddMinutes(10),
            Claims = new Dictionary<string, object> { ["sub"] = subject },
            AdditionalHeaderClaims = new Dictionary<string, object> { ["jku"] = $"{elsewhere.Issuer}/jwks", ["x5u"] = $"{elsewhere.Issuer}/signer.pem" },
            SigningCredentials = elsewhere.Rs256,
        });

        await (await Bearer(foreignIssuer).GetAsync("/v1/accounts", Cancel)).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        await (await Bearer(pointingElsewhere).GetAsync("/v1/accounts", Cancel)).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        // The configured authority's own tokens work, and nothing was ever fetched from the other
        // server (that keys come from the authority is ExternalAuthorityTests' first-token test).
        await (await Bearer(app.Authority.Mint(subject)).GetAsync("/v1/accounts", Cancel)).AssertJsonAsync(HttpStatusCode.OK);

        Assert.Equal(0, elsewhere.Requests);
    }

    // API8:2023 Security Misconfiguration

    [Fact]
    public async Task API8_security_misconfiguration_every_response_is_hardened_and_names_no_server()
    {
        var user = await app.RegisterAndSignInAsync();
        var anonymous = app.CreateClient();

        HttpResponseMessage[] responses =
        [
            await anonymous.GetAsync("/health/live", Cancel),
            await anonymous.GetAsync("/v1/accounts", Cancel),
            await anonymous.GetAsync("/v1/nothing-here", Cancel),
            await anonymous.PostAsync("/v1/auth/token", StrongroomApp.TokenForm(user.Email, "wrong password"), Cancel),
            await user.Client.GetAsync("/v1/accounts", Cancel),
            await user.Client.GetAsync("/v1/admin/users", Cancel),
            await user.Client.PostJsonAsync("/v1/accounts", new { currency = "XXX1", name = "x" }),
        ];

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Unauthorized, HttpStatusCode.NotFound, HttpStatusCode.BadRequest, HttpStatusCode.OK,
            HttpStatusCode.Forbidden, HttpStatusCode.BadRequest], responses.Select(response => response.StatusCode));
        Assert.All(responses, response =>
        {
            // Over a real socket: Kestrel would announce itself here unless told not to.
            Assert.False(response.Headers.Contains("Server"));
            Assert.False(response.Headers.Contains("X-Powered-By"));
            Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
            Assert.Equal("default-src 'none'; frame-ancestors 'none'", Assert.Single(response.Headers.GetValues("Content-Security-Policy")));
        });
    }

    [Fact]
    public async Task API8_security_misconfiguration_errors_are_problems_that_reveal_no_internals()
    {
        var admin = await app.AdminAsync();
        var client = app.CreateClient();

        foreach (var path in new[] { "/v1/nothing-here", "/.env", "/swagger/index.html", "/v2/accounts", "/scalar/" })
        {
            await (await client.GetAsync(path, Cancel)).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        }

        // TRACE would echo the request, headers and all (cross-site tracing); no route answers it.
        using var trace = new HttpRequestMessage(HttpMethod.Trace, "/v1/accounts");
        trace.Headers.Add("X-Probe", "echo-me-back");
        var traced = await client.SendAsync(trace, Cancel);
        await traced.AssertProblemAsync(HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        Assert.DoesNotContain("echo-me-back", await traced.BodyAsync(), StringComparison.Ordinal);
        await (await client.DeleteAsync("/v1/accounts", Cancel)).AssertProblemAsync(HttpStatusCode.MethodNotAllowed, "method_not_allowed");

        // A fault inside a handler (the table it reads has gone): a bare 500 problem, nothing of the exception.
        await ExecuteSqlAsync("ALTER TABLE service_clients RENAME TO service_clients_away");
        HttpResponseMessage failed;
        try
        {
            failed = await admin.Client.GetAsync("/v1/admin/clients", Cancel);
        }
        finally
        {
            await ExecuteSqlAsync("ALTER TABLE service_clients_away RENAME TO service_clients");
        }

        var problem = await failed.AssertProblemAsync(HttpStatusCode.InternalServerError, "internal_error");
        var text = problem.GetRawText();
        foreach (var internals in new[] { "Sqlite", "Exception", "service_clients", "SELECT", " at ", ".cs", "Strongroom." })
        {
            Assert.DoesNotContain(internals, text, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Equal(HttpStatusCode.OK, (await admin.Client.GetAsync("/v1/admin/clients", Cancel)).StatusCode);
    }

    [Fact]
    public async Task API8_security_misconfiguration_cross_origin_calls_only_from_the_configured_origin_and_never_with_credentials()
    {
        var client = app.CreateClient();

        var trusted = await client.SendAsync(Preflight(OwaspApp.TrustedOrigin), Cancel);
        var foreign = await client.SendAsync(Preflight("https://evil.example"), Cancel);
        using var simple = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        simple.Headers.Add("Origin", "https://evil.example");
        var foreignSimple = await client.SendAsync(simple, Cancel);

        Assert.Equal(OwaspApp.TrustedOrigin, Assert.Single(trusted.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.False(trusted.Headers.Contains("Access-Control-Allow-Credentials"));
        Assert.False(foreign.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(foreignSimple.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task API8_security_misconfiguration_the_docs_page_when_enabled_runs_under_a_same_origin_policy()
    {
        await using var withDocs = app.Factory.WithWebHostBuilder(builder => builder.UseSetting("Api:Docs:Enabled", "true"));

        var page = await withDocs.CreateClient().GetAsync("/scalar/", Cancel);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var policy = Assert.Single(page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'self'", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("*", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("http:", policy, StringComparison.Ordinal);
    }

    // API9:2023 Improper Inventory Management

    [Fact]
    public async Task API9_improper_inventory_management_the_published_document_is_exactly_what_is_served_and_nothing_else_is_exposed()
    {
        var document = await (await app.CreateClient().GetAsync("/openapi/v1.json", Cancel)).AssertJsonAsync(HttpStatusCode.OK);
        var operations = EndpointCatalog.ApiOperations(app.Services);

        var documented = document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(operation => (Key: $"{operation.Name.ToUpperInvariant()} {path.Name}", Operation: operation.Value)))
            .ToDictionary(pair => pair.Key, pair => pair.Operation);
        Assert.Equal(operations.Select(operation => $"{operation.Method} {operation.Route}").Order(StringComparer.Ordinal), documented.Keys.Order(StringComparer.Ordinal));

        // Every operation says how it is secured: a security requirement, or anonymous on purpose.
        string[] anonymousByDesign = ["POST /v1/auth/register", "POST /v1/auth/token", "POST /v1/auth/revoke", "GET /health/live", "GET /health/ready"];
        foreach (var operation in operations)
        {
            var key = $"{operation.Method} {operation.Route}";
            var anonymous = operation.Endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            var secured = documented[key].TryGetProperty("security", out var security) && security.GetArrayLength() > 0;
            Assert.True(anonymous != secured, $"{key}: anonymous={anonymous}, documented security={secured}.");
            Assert.Equal(anonymousByDesign.Contains(key), anonymous);
        }

        // One version, no forgotten ones: everything is under /v1 but the health probes.
        Assert.All(operations, operation => Assert.True(operation.Route.StartsWith("/v1/", StringComparison.Ordinal) || operation.Route.StartsWith("/health/", StringComparison.Ordinal),
            $"{operation.Method} {operation.Route} is outside /v1."));

        // In Production the interactive reference is off unless Api:Docs:Enabled says otherwise.
        Assert.Equal(HttpStatusCode.NotFound, (await app.CreateClient().GetAsync("/scalar/", Cancel)).StatusCode);
        Assert.Equal("Production", app.Services.GetRequiredService<IWebHostEnvironment>().EnvironmentName);
    }

    // API10:2023 Unsafe Consumption of APIs

    [Fact]
    public async Task API10_unsafe_consumption_of_apis_roles_and_scopes_the_authority_names_that_we_do_not_know_grant_nothing()
    {
        var admin = await app.AdminAsync();
        var (_, someonesAccount) = await app.OpenFundedAccountAsync(admin, 100);
        var external = Bearer(app.Authority.Mint($"idp|{Guid.NewGuid():N}", claims: new Dictionary<string, object>
        {
            ["roles"] = new[] { "root", "Admin", "superuser", "staff", "operator " },
            ["scope"] = "openid ledger:admin admin:all ledger:*",
        }));

        var profile = await (await external.GetAsync("/v1/me", Cancel)).AssertJsonAsync(HttpStatusCode.OK);

        Assert.Equal(["customer"], profile.GetProperty("roles").EnumerateArray().Select(role => role.GetString()));
        await (await external.GetAsync("/v1/admin/users", Cancel)).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await external.GetAsync("/v1/admin/audit", Cancel)).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await external.PostWithKeyAsync("/v1/deposits", new { accountId = someonesAccount, amount = 1_000, currency = "EUR" }, LedgerClient.NewKey()))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await external.GetAsync($"/v1/accounts/{someonesAccount}", Cancel)).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task API10_unsafe_consumption_of_apis_an_email_asserted_by_the_authority_never_reaches_the_local_account_with_that_email()
    {
        var admin = await app.AdminAsync();
        var (local, localAccount) = await app.OpenFundedAccountAsync(admin, 100);

        var external = Bearer(app.Authority.Mint($"idp|{Guid.NewGuid():N}", claims: new Dictionary<string, object>
        {
            ["email"] = local.Email,
            ["email_verified"] = true,
        }));
        var profile = await (await external.GetAsync("/v1/me", Cancel)).AssertJsonAsync(HttpStatusCode.OK);
        var accounts = await (await external.GetAsync("/v1/accounts", Cancel)).AssertJsonAsync(HttpStatusCode.OK);

        Assert.NotEqual(local.UserId, profile.GetProperty("id").GetString());
        Assert.Empty(accounts.GetProperty("items").EnumerateArray());
        await (await external.GetAsync($"/v1/accounts/{localAccount}", Cancel)).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal(new Balance(100, 0, 100), await local.BalanceAsync(localAccount));
    }

    private static string NewEmail() => $"owasp-{Guid.NewGuid():N}@strongroom.test";

    private HttpClient Bearer(string token)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private Task<HttpResponseMessage> PasswordGrantAsync(string email, string password) =>
        app.CreateClient().PostAsync("/v1/auth/token", StrongroomApp.TokenForm(email, password), Cancel);

    /// <summary>Registers and signs in once, keeping the refresh token (two password hashes, not three).</summary>
    private async Task<(SignedIn User, string RefreshToken)> RegisterWithRefreshTokenAsync()
    {
        var email = NewEmail();
        await (await app.CreateClient().PostJsonAsync("/v1/auth/register", new { email, password = Password, fullName = "Test Customer" })).AssertJsonAsync(HttpStatusCode.Created);
        var issued = await (await PasswordGrantAsync(email, Password)).AssertJsonAsync(HttpStatusCode.OK);
        var token = issued.GetProperty("access_token").GetString()!;
        return (new SignedIn(Jwt.Subject(token), email, token, Bearer(token)), issued.GetProperty("refresh_token").GetString()!);
    }

    private static async Task<(string Id, string Secret)> CreateServiceClientAsync(SignedIn admin, string ownerId, params string[] scopes)
    {
        var created = await (await admin.Client.PostJsonAsync("/v1/admin/clients", new { ownerId, name = "Platform", scopes })).AssertJsonAsync(HttpStatusCode.Created);
        return (created.Id(), created.GetProperty("clientSecret").GetString()!);
    }

    private async Task<string> ClientTokenAsync(string clientId, string secret)
    {
        var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = secret,
        });
        var issued = await (await app.CreateClient().PostAsync("/v1/auth/token", form, Cancel)).AssertJsonAsync(HttpStatusCode.OK);
        return issued.GetProperty("access_token").GetString()!;
    }

    private static async Task<string> BodyOfAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path, Cancel);
        return (await response.AssertJsonAsync(HttpStatusCode.OK)).GetRawText();
    }

    private static async Task<List<JsonElement>> AuditAsync(SignedIn admin, string query) =>
        [.. (await (await admin.Client.GetAsync($"/v1/admin/audit?limit=100&{query}", Cancel)).AssertJsonAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray()];

    private static string? PolicyOf(Microsoft.AspNetCore.Http.Endpoint endpoint) =>
        endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(data => data.Policy).LastOrDefault(policy => policy is not null);

    /// <summary>What a customer would send to each privileged operation to help themselves.</summary>
    private static object AttackBody(string route, string userId, string accountId) => route switch
    {
        "/v1/admin/users/{id}/roles" => new { roles = new[] { "admin" } },
        "/v1/admin/accounts/{id}/overdraft-limit" => new { limit = 1_000_000 },
        "/v1/deposits" or "/v1/withdrawals" => new { accountId, amount = 1_000_000, currency = "EUR" },
        "/v1/admin/clients" => new { ownerId = userId, name = "Mine", scopes = new[] { "ledger:write" } },
        "/v1/admin/fx/rates/{base}/{quote}" => new { rate = "1000", validUntil = DateTimeOffset.UtcNow.AddDays(1) },
        _ => new { },
    };

    /// <summary>The customer's token with its role rewritten to admin, keeping the original signature.</summary>
    private static string Promote(string token)
    {
        var parts = token.Split('.');
        var payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1])).Replace("\"customer\"", "\"admin\"", StringComparison.Ordinal);
        return $"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}";
    }

    private static HttpRequestMessage Preflight(string origin)
    {
        var preflight = new HttpRequestMessage(HttpMethod.Options, "/v1/transfers");
        preflight.Headers.Add("Origin", origin);
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization,content-type,idempotency-key");
        return preflight;
    }

    private static IEnumerable<string> PropertyNames(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().SelectMany(property => PropertyNames(property.Value).Prepend(property.Name)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(PropertyNames),
        _ => [],
    };

    private static string Sha256Hex(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    private async Task<string> StoredPasswordHashAsync(string userId)
    {
        await using var connection = new SqliteConnection($"Data Source={app.DatabasePath}");
        await connection.OpenAsync(Cancel);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT password_hash FROM users WHERE id = $id";
        command.Parameters.AddWithValue("$id", userId);
        return (string)(await command.ExecuteScalarAsync(Cancel))!;
    }

    private async Task ExecuteSqlAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={app.DatabasePath};Pooling=False");
        await connection.OpenAsync(Cancel);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(Cancel);
    }

    /// <summary>A body the client cannot know the length of, so it is sent chunked, without Content-Length.</summary>
    private sealed class UnseekableStream(byte[] content) : MemoryStream(content)
    {
        public override bool CanSeek => false;
    }
}
