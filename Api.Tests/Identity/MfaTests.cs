using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Strongroom.Api.Tests.Support;
using Strongroom.Features.Users;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Api.Tests.Identity;

public abstract class MfaTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : StrongroomApp, IClockedApp
{
    protected TApp App => app;

    private TestClock Clock => app.Clock;

    [Fact]
    public async Task Enrolment_takes_effect_when_confirmed_and_then_sign_in_needs_the_current_code()
    {
        var user = await app.RegisterAndSignInAsync(password: Mfa.Password);
        Assert.Equal(["pwd"], Mfa.Amr(user.Token));
        Assert.Equal("none", (await Mfa.StatusAsync(user)).GetProperty("totp").GetString());

        var started = await (await user.Client.PostAsync("/v1/me/mfa/totp", null, TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK);
        var base32 = started.GetProperty("secret").GetString()!;
        var uri = started.GetProperty("otpauthUri").GetString()!;
        Assert.Matches("^[A-Z2-7]{32}$", base32);
        Assert.StartsWith($"otpauth://totp/Strongroom:{user.UserId}?", uri, StringComparison.Ordinal);
        Assert.Contains($"secret={base32}", uri, StringComparison.Ordinal);
        Assert.Contains("issuer=Strongroom", uri, StringComparison.Ordinal);
        Assert.Contains("digits=6", uri, StringComparison.Ordinal);
        Assert.Contains("period=30", uri, StringComparison.Ordinal);
        Assert.DoesNotContain(user.Email, uri, StringComparison.OrdinalIgnoreCase);

        // Pending: sign-in is unchanged until the app proves it has the secret.
        Assert.Equal("pending", (await Mfa.StatusAsync(user)).GetProperty("totp").GetString());
        Assert.Equal(HttpStatusCode.OK, (await Mfa.RequestTokenAsync(app, user.Email, totp: null)).StatusCode);

        var secret = Rfc6238.FromBase32(base32);
        var wrong = await user.Client.PostJsonAsync("/v1/me/mfa/totp/confirm", new { code = Mfa.WrongCode(secret, Clock) });
        await wrong.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_totp_code");

        var confirmed = await (await user.Client.PostJsonAsync("/v1/me/mfa/totp/confirm", new { code = Rfc6238.Code(secret, Clock.GetUtcNow()) }))
            .AssertJsonAsync(HttpStatusCode.OK);
        var recoveryCodes = confirmed.GetProperty("recoveryCodes").EnumerateArray().Select(c => c.GetString()!).ToList();
        Assert.Equal(10, recoveryCodes.Distinct().Count());
        Assert.All(recoveryCodes, code => Assert.Matches("^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$", code));
        var status = await Mfa.StatusAsync(user);
        Assert.Equal("active", status.GetProperty("totp").GetString());
        Assert.Equal(10, status.GetProperty("recoveryCodesRemaining").GetInt32());

        var withoutCode = await Mfa.RequestTokenAsync(app, user.Email, totp: null);
        var body = await withoutCode.AssertJsonAsync(HttpStatusCode.BadRequest);
        Assert.Equal("invalid_grant", body.GetProperty("error").GetString());
        Assert.Equal("mfa_required", body.GetProperty("error_description").GetString());

        Clock.Advance(Mfa.Step);
        // As authenticator apps show it: "123 456".
        var signedIn = await Mfa.SignInWithCodeAsync(app, user, Rfc6238.Code(secret, Clock.GetUtcNow()).Insert(3, " "));
        Assert.Equal(["pwd", "mfa", "otp"], Mfa.Amr(signedIn.Token));
        Assert.Equal(HttpStatusCode.OK, (await signedIn.Client.GetAsync("/v1/accounts")).StatusCode);
    }

    [Fact]
    public async Task A_code_from_one_step_either_side_is_accepted_but_each_step_only_once()
    {
        var user = await app.RegisterAndSignInAsync(password: Mfa.Password);
        var enrolled = await Mfa.EnrolAsync(user, Clock);
        Clock.Advance(Mfa.Step);
        var now = Clock.GetUtcNow();

        // The authenticator's clock runs 30 s ahead: still accepted.
        var ahead = Rfc6238.Code(enrolled.Secret, now + Mfa.Step);
        Assert.Equal(HttpStatusCode.OK, (await Mfa.RequestTokenAsync(app, user.Email, ahead)).StatusCode);

        var replayed = await Mfa.RequestTokenAsync(app, user.Email, ahead);
        // A code of a step before the one accepted, though within the window, is spent too.
        var earlier = await Mfa.RequestTokenAsync(app, user.Email, Rfc6238.Code(enrolled.Secret, now));
        var tooLate = await Mfa.RequestTokenAsync(app, user.Email, Rfc6238.Code(enrolled.Secret, now + (4 * Mfa.Step)));

        Assert.Equal("""{"error":"invalid_grant"}""", await replayed.AssertRawAsync(HttpStatusCode.BadRequest));
        Assert.Equal("""{"error":"invalid_grant"}""", await earlier.AssertRawAsync(HttpStatusCode.BadRequest));
        Assert.Equal("""{"error":"invalid_grant"}""", await tooLate.AssertRawAsync(HttpStatusCode.BadRequest));
    }

    [Fact]
    public async Task A_wrong_code_is_answered_and_counted_like_a_wrong_password()
    {
        var user = await app.RegisterAndSignInAsync(password: Mfa.Password);
        var enrolled = await Mfa.EnrolAsync(user, Clock);
        Clock.Advance(Mfa.Step);

        var wrongPassword = await app.CreateClient().PostAsync("/v1/auth/token", StrongroomApp.TokenForm(user.Email, "not the password"), TestContext.Current.CancellationToken);
        var wrongCode = await Mfa.RequestTokenAsync(app, user.Email, Mfa.WrongCode(enrolled.Secret, Clock));

        Assert.Equal(await wrongPassword.AssertRawAsync(HttpStatusCode.BadRequest), await wrongCode.AssertRawAsync(HttpStatusCode.BadRequest));
        Assert.Equal(wrongPassword.Headers.CacheControl?.ToString(), wrongCode.Headers.CacheControl?.ToString());

        // Five failures lock the account (the default limit), whichever factor was wrong.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await Mfa.RequestTokenAsync(app, user.Email, Mfa.WrongCode(enrolled.Secret, Clock))).StatusCode);
        }

        var locked = await Mfa.RequestTokenAsync(app, user.Email, Rfc6238.Code(enrolled.Secret, Clock.GetUtcNow()));
        await locked.AssertProblemAsync(HttpStatusCode.TooManyRequests, "sign_in_locked");

        var admin = await app.SignInAsAdminAsync();
        var failures = await Mfa.AuditAsync(admin, "sign_in_failed");
        Assert.Contains(failures, e => e.GetProperty("target").GetString() == user.UserId && e.GetProperty("details").GetString() == "totp");
    }

    [Fact]
    public async Task Starting_again_replaces_a_pending_secret_and_an_active_one_is_a_conflict()
    {
        var user = await app.RegisterAndSignInAsync(password: Mfa.Password);
        var first = Rfc6238.FromBase32((await Mfa.StartAsync(user)).GetProperty("secret").GetString()!);
        var second = Rfc6238.FromBase32((await Mfa.StartAsync(user)).GetProperty("secret").GetString()!);
        Assert.NotEqual(first, second);

        var withFirst = await user.Client.PostJsonAsync("/v1/me/mfa/totp/confirm", new { code = Rfc6238.Code(first, Clock.GetUtcNow()) });
        await withFirst.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_totp_code");
        (await user.Client.PostJsonAsync("/v1/me/mfa/totp/confirm", new { code = Rfc6238.Code(second, Clock.GetUtcNow()) })).EnsureSuccessStatusCode();

        var again = await user.Client.PostAsync("/v1/me/mfa/totp", null, TestContext.Current.CancellationToken);
        var confirmAgain = await user.Client.PostJsonAsync("/v1/me/mfa/totp/confirm", new { code = "123456" });
        var notStarted = await (await app.RegisterAndSignInAsync()).Client.PostJsonAsync("/v1/me/mfa/totp/confirm", new { code = "123456" });

        await again.AssertProblemAsync(HttpStatusCode.Conflict, "mfa_already_enrolled");
        await confirmAgain.AssertProblemAsync(HttpStatusCode.Conflict, "mfa_already_enrolled");
        await notStarted.AssertProblemAsync(HttpStatusCode.Conflict, "mfa_enrolment_not_started");
    }

    [Fact]
    public async Task A_recovery_code_signs_in_once_in_place_of_a_code()
    {
        var user = await app.RegisterAndSignInAsync(password: Mfa.Password);
        var enrolled = await Mfa.EnrolAsync(user, Clock);
        var code = enrolled.RecoveryCodes[3];

        // Typed loosely: lower case, without dashes.
        var signedIn = await Mfa.SignInWithCodeAsync(app, user, code.Replace("-", "", StringComparison.Ordinal).ToLowerInvariant());
        var again = await Mfa.RequestTokenAsync(app, user.Email, code);

        Assert.Equal(["pwd", "mfa", "otp"], Mfa.Amr(signedIn.Token));
        Assert.Equal("""{"error":"invalid_grant"}""", await again.AssertRawAsync(HttpStatusCode.BadRequest));
        Assert.Equal(9, (await Mfa.StatusAsync(user)).GetProperty("recoveryCodesRemaining").GetInt32());
        var admin = await app.SignInAsAdminAsync();
        Assert.Contains(await Mfa.AuditAsync(admin, "mfa_recovery_code_used"), e => e.GetProperty("actorId").GetString() == user.UserId);
    }

    [Fact]
    public async Task Disabling_needs_a_current_code_or_a_recovery_code()
    {
        var user = await app.RegisterAndSignInAsync(password: Mfa.Password);
        var other = await app.RegisterAndSignInAsync(password: Mfa.Password);
        var enrolled = await Mfa.EnrolAsync(user, Clock);
        var otherEnrolled = await Mfa.EnrolAsync(other, Clock);
        Clock.Advance(Mfa.Step);

        var wrong = await user.Client.PostJsonAsync("/v1/me/mfa/totp/disable", new { code = Mfa.WrongCode(enrolled.Secret, Clock) });
        var othersCode = await user.Client.PostJsonAsync("/v1/me/mfa/totp/disable", new { code = otherEnrolled.RecoveryCodes[0] });
        await wrong.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_totp_code");
        await othersCode.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_totp_code");

        var withCode = await user.Client.PostJsonAsync("/v1/me/mfa/totp/disable", new { code = Rfc6238.Code(enrolled.Secret, Clock.GetUtcNow()) });
        var withRecoveryCode = await other.Client.PostJsonAsync("/v1/me/mfa/totp/disable", new { code = otherEnrolled.RecoveryCodes[1] });
        var notEnrolled = await user.Client.PostJsonAsync("/v1/me/mfa/totp/disable", new { code = "123456" });

        Assert.Equal(HttpStatusCode.NoContent, withCode.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, withRecoveryCode.StatusCode);
        await notEnrolled.AssertProblemAsync(HttpStatusCode.Conflict, "mfa_not_enrolled");
        var status = await Mfa.StatusAsync(user);
        Assert.Equal("none", status.GetProperty("totp").GetString());
        Assert.Equal(0, status.GetProperty("recoveryCodesRemaining").GetInt32());
        var token = await (await Mfa.RequestTokenAsync(app, user.Email, totp: null)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal(["pwd"], Mfa.Amr(token.GetProperty("access_token").GetString()!));
        var admin = await app.SignInAsAdminAsync();
        var disabled = await Mfa.AuditAsync(admin, "mfa_disabled");
        Assert.Contains(disabled, e => e.GetProperty("actorId").GetString() == user.UserId && e.GetProperty("details").GetString() == "totp");
        Assert.Contains(disabled, e => e.GetProperty("actorId").GetString() == other.UserId && e.GetProperty("details").GetString() == "recovery_code");
    }

    [Fact]
    public async Task A_refreshed_token_keeps_how_the_sign_in_was_made()
    {
        var plain = await app.RegisterAndSignInAsync(password: Mfa.Password);
        var user = await app.RegisterAndSignInAsync(password: Mfa.Password);
        var enrolled = await Mfa.EnrolAsync(user, Clock);
        Clock.Advance(Mfa.Step);

        var withMfa = await (await Mfa.RequestTokenAsync(app, user.Email, Rfc6238.Code(enrolled.Secret, Clock.GetUtcNow()))).AssertJsonAsync(HttpStatusCode.OK);
        var passwordOnly = await (await Mfa.RequestTokenAsync(app, plain.Email, totp: null)).AssertJsonAsync(HttpStatusCode.OK);
        var refreshed = await Mfa.RefreshAsync(app, withMfa.GetProperty("refresh_token").GetString()!);
        var refreshedTwice = await Mfa.RefreshAsync(app, refreshed.GetProperty("refresh_token").GetString()!);
        var refreshedPlain = await Mfa.RefreshAsync(app, passwordOnly.GetProperty("refresh_token").GetString()!);

        Assert.Equal(["pwd", "mfa", "otp"], Mfa.Amr(refreshed.GetProperty("access_token").GetString()!));
        Assert.Equal(["pwd", "mfa", "otp"], Mfa.Amr(refreshedTwice.GetProperty("access_token").GetString()!));
        Assert.Equal(["pwd"], Mfa.Amr(refreshedPlain.GetProperty("access_token").GetString()!));
    }

    [Fact]
    public async Task Enrolment_is_audited_without_the_secret_or_any_code()
    {
        var user = await app.RegisterAndSignInAsync(password: Mfa.Password);
        var enrolled = await Mfa.EnrolAsync(user, Clock);
        var admin = await app.SignInAsAdminAsync();

        var events = await Mfa.AuditAsync(admin, "mfa_enrolled");
        var all = await Mfa.AuditAsync(admin, action: null);

        Assert.Contains(events, e => e.GetProperty("actorId").GetString() == user.UserId);
        var secret = Base32(enrolled.Secret);
        Assert.All(all, e =>
        {
            Assert.DoesNotContain(secret, e.ToString(), StringComparison.Ordinal);
            Assert.All(enrolled.RecoveryCodes, code => Assert.DoesNotContain(code, e.ToString(), StringComparison.Ordinal));
        });
    }

    [Fact]
    public async Task The_mfa_endpoints_need_a_signed_in_caller()
    {
        var anonymous = app.CreateClient();

        await (await anonymous.GetAsync("/v1/me/mfa")).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        await (await anonymous.PostAsync("/v1/me/mfa/totp", null, TestContext.Current.CancellationToken)).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    protected static string Base32(byte[] secret) => Totp.ToBase32(secret);
}

public sealed class MfaOnSqlite(MfaSqliteApp app) : MfaTests<MfaSqliteApp>(app)
{
    [Fact]
    public async Task The_secret_and_recovery_codes_are_not_readable_in_the_raw_database_files()
    {
        var user = await App.RegisterAndSignInAsync(password: Mfa.Password);
        var enrolled = await Mfa.EnrolAsync(user, App.Clock);

        var raw = new StringBuilder();
        foreach (var file in new[] { App.DatabasePath, App.DatabasePath + "-wal" }.Where(File.Exists))
        {
            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, Encoding.Latin1);
            raw.Append(await reader.ReadToEndAsync(TestContext.Current.CancellationToken));
        }

        Assert.Contains(user.UserId, raw.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Base32(enrolled.Secret), raw.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(enrolled.Secret), raw.ToString(), StringComparison.Ordinal);
        Assert.All(enrolled.RecoveryCodes, code => Assert.DoesNotContain(code.Replace("-", "", StringComparison.Ordinal), raw.ToString().Replace("-", "", StringComparison.Ordinal), StringComparison.Ordinal));
    }
}

[Trait("Category", "SqlServer")]
public sealed class MfaOnSqlServer(MfaSqlServerApp app) : MfaTests<MfaSqlServerApp>(app);

/// <summary>RFC 6238 Appendix B: both the service's TOTP and the tests' own implementation give the published codes.</summary>
public sealed class TotpTestVectors
{
    private static readonly byte[] RfcKey = Encoding.ASCII.GetBytes("12345678901234567890");

    public static TheoryData<long, string> Vectors => new()
    {
        { 59, "94287082" },
        { 1111111109, "07081804" },
        { 1111111111, "14050471" },
        { 1234567890, "89005924" },
        { 2000000000, "69279037" },
        { 20000000000, "65353130" },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void The_rfc_6238_sha1_test_vectors_hold(long unixSeconds, string expected)
    {
        var at = DateTimeOffset.FromUnixTimeSeconds(unixSeconds);

        Assert.Equal(expected, Rfc6238.Code(RfcKey, at, digits: 8));
        // Six digits are the last six of the eight: the same truncated value, modulo 10^6.
        Assert.Equal(expected[2..], Totp.Compute(RfcKey, at));
        Assert.Equal(Rfc6238.Step(at), Totp.Verify(RfcKey, expected[2..], at, lastAcceptedStep: null));
        Assert.Null(Totp.Verify(RfcKey, expected[2..], at, lastAcceptedStep: Rfc6238.Step(at)));
    }

    [Fact]
    public void Base32_round_trips_through_the_tests_own_decoder()
    {
        var secret = Totp.NewSecret();

        Assert.Equal(20, secret.Length);
        Assert.Equal(secret, Rfc6238.FromBase32(Totp.ToBase32(secret)));
        Assert.Equal(Encoding.ASCII.GetBytes("foobar"), Rfc6238.FromBase32("MZXW6YTBOI"));
    }
}

/// <summary>
/// The rotation round trip for TOTP secrets: written under one data key, still usable while two
/// are configured, rewritten by rotate-keys, and usable with only the new key.
/// </summary>
public sealed class TotpKeyRotationTests
{
    [Fact]
    public async Task Rotate_keys_re_encrypts_totp_secrets()
    {
        var directory = TempDirectory.Create();
        var database = Path.Combine(directory, "rotation.db");
        var clock = new TestClock();
        var (oldKey, newKey) = (Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        var shared = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Strongroom"] = $"Data Source={database}",
            ["Auth:SigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Security:BlindIndexKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        };
        ConfiguredFactory Factory(params (string Id, string Key)[] keys)
        {
            var settings = new Dictionary<string, string?>(shared);
            for (var i = 0; i < keys.Length; i++)
            {
                settings[$"Security:DataKeys:{i}:Id"] = keys[i].Id;
                settings[$"Security:DataKeys:{i}:Key"] = keys[i].Key;
            }

            return new ConfiguredFactory(settings, testServices: services => services.AddSingleton<TimeProvider>(clock));
        }

        try
        {
            var email = $"rotating-{Guid.NewGuid():N}@example.test";
            byte[] secret;
            using (var before = Factory(("k1", oldKey)))
            {
                var client = before.CreateClient();
                (await client.PostJsonAsync("/v1/auth/register", new { email, password = Mfa.Password, fullName = "Rotating" })).EnsureSuccessStatusCode();
                var token = await (await client.PostAsync("/v1/auth/token", StrongroomApp.TokenForm(email, Mfa.Password), TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK);
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("access_token").GetString());
                secret = (await Mfa.EnrolAsync(new SignedIn("", email, "", client), clock)).Secret;
            }

            Assert.Equal(["k1"], await SecretKeyIdsAsync(database));
            using (var during = Factory(("k1", oldKey), ("k2", newKey)))
            {
                Assert.True(await RotateDataKeys.RunAsync(during.Services, TestContext.Current.CancellationToken) >= 2);
            }

            Assert.Equal(["k2"], await SecretKeyIdsAsync(database));
            using var after = Factory(("k2", newKey));
            clock.Advance(Mfa.Step);
            var form = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "password",
                ["username"] = email,
                ["password"] = Mfa.Password,
                ["totp"] = Rfc6238.Code(secret, clock.GetUtcNow()),
            });
            var signedIn = await (await after.CreateClient().PostAsync("/v1/auth/token", form, TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK);
            Assert.Equal(["pwd", "mfa", "otp"], Mfa.Amr(signedIn.GetProperty("access_token").GetString()!));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            TempDirectory.Delete(directory);
        }
    }

    private static async Task<List<string>> SecretKeyIdsAsync(string database)
    {
        await using var connection = new SqliteConnection($"Data Source={database}");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT DISTINCT substr(secret, 1, instr(secret, ':') - 1) FROM user_totp ORDER BY 1";
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }
}

/// <summary>The MFA calls the tests repeat, each one HTTP call a client would make.</summary>
public static class Mfa
{
    public const string Password = "correct horse battery";

    public static readonly TimeSpan Step = TimeSpan.FromSeconds(30);

    public sealed record Enrolled(byte[] Secret, IReadOnlyList<string> RecoveryCodes);

    public static async Task<JsonElement> StartAsync(SignedIn user) =>
        await (await user.Client.PostAsync("/v1/me/mfa/totp", null, TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK);

    /// <summary>Enrols and confirms with the code of the clock's current step.</summary>
    public static async Task<Enrolled> EnrolAsync(SignedIn user, TestClock clock)
    {
        var secret = Rfc6238.FromBase32((await StartAsync(user)).GetProperty("secret").GetString()!);
        var confirmed = await (await user.Client.PostJsonAsync("/v1/me/mfa/totp/confirm", new { code = Rfc6238.Code(secret, clock.GetUtcNow()) }))
            .AssertJsonAsync(HttpStatusCode.OK);
        return new Enrolled(secret, [.. confirmed.GetProperty("recoveryCodes").EnumerateArray().Select(c => c.GetString()!)]);
    }

    public static async Task<JsonElement> StatusAsync(SignedIn user) =>
        await (await user.Client.GetAsync("/v1/me/mfa", TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK);

    /// <summary>The password grant, with a <c>totp</c> field when one is given.</summary>
    public static Task<HttpResponseMessage> RequestTokenAsync(StrongroomApp app, string email, string? totp, string password = Password)
    {
        var form = new Dictionary<string, string> { ["grant_type"] = "password", ["username"] = email, ["password"] = password };
        if (totp is not null)
        {
            form["totp"] = totp;
        }

        return app.CreateClient().PostAsync("/v1/auth/token", new FormUrlEncodedContent(form), TestContext.Current.CancellationToken);
    }

    public static async Task<SignedIn> SignInWithCodeAsync(StrongroomApp app, SignedIn user, string code, string password = Password)
    {
        var token = (await (await RequestTokenAsync(app, user.Email, code, password)).AssertJsonAsync(HttpStatusCode.OK)).GetProperty("access_token").GetString()!;
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return new SignedIn(user.UserId, user.Email, token, client);
    }

    public static async Task<JsonElement> RefreshAsync(StrongroomApp app, string refreshToken)
    {
        var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = refreshToken });
        return await (await app.CreateClient().PostAsync("/v1/auth/token", form, TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK);
    }

    /// <summary>The token's <c>amr</c>, which must be a JSON array (RFC 8176).</summary>
    public static string[] Amr(string token)
    {
        var amr = Jwt.Payload(token).GetProperty("amr");
        Assert.Equal(JsonValueKind.Array, amr.ValueKind);
        return [.. amr.EnumerateArray().Select(value => value.GetString()!)];
    }

    /// <summary>Six digits that are no valid code within the window around the clock's now.</summary>
    public static string WrongCode(byte[] secret, TestClock clock)
    {
        var now = clock.GetUtcNow();
        var valid = new[] { now - Step, now, now + Step }.Select(at => Rfc6238.Code(secret, at)).ToHashSet();
        var candidate = int.Parse(Rfc6238.Code(secret, now), CultureInfo.InvariantCulture);
        string code;
        do
        {
            candidate = (candidate + 1) % 1_000_000;
            code = candidate.ToString("D6", CultureInfo.InvariantCulture);
        }
        while (valid.Contains(code));

        return code;
    }

    public static async Task<List<JsonElement>> AuditAsync(SignedIn admin, string? action) =>
        [.. (await (await admin.Client.GetAsync(action is null ? "/v1/admin/audit?limit=100" : $"/v1/admin/audit?action={action}&limit=100", TestContext.Current.CancellationToken))
            .AssertJsonAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray()];

    /// <summary>The body as sent, after checking the status.</summary>
    public static async Task<string> AssertRawAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        return body;
    }
}

/// <summary>RFC 6238 (TOTP over RFC 4226's HOTP, HMAC-SHA-1) and RFC 4648 base32, written from the RFCs for the tests alone.</summary>
public static class Rfc6238
{
    private const string Base32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    public static long Step(DateTimeOffset at) => at.ToUnixTimeSeconds() / 30;

    public static string Code(byte[] key, DateTimeOffset at, int digits = 6)
    {
        Span<byte> counter = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, Step(at));
#pragma warning disable CA5350 // RFC 6238 TOTP is HMAC-SHA1 by definition; authenticator apps compute exactly this.
        var hash = HMACSHA1.HashData(key, counter);
#pragma warning restore CA5350
        // Dynamic truncation (RFC 4226 §5.3).
        var offset = hash[^1] & 0x0F;
        var binary = ((hash[offset] & 0x7F) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
        var modulus = (int)Math.Pow(10, digits);
        return (binary % modulus).ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0');
    }

    public static byte[] FromBase32(string text)
    {
        var output = new List<byte>();
        var (buffer, bits) = (0, 0);
        foreach (var c in text.TrimEnd('=').ToUpperInvariant())
        {
            var value = Base32Alphabet.IndexOf(c, StringComparison.Ordinal);
            Assert.True(value >= 0, $"'{c}' is not base32.");
            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                output.Add((byte)(buffer >> bits));
                buffer &= (1 << bits) - 1;
            }
        }

        return [.. output];
    }
}
