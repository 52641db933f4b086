using System.Net;
using Microsoft.Data.Sqlite;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Identity;

public abstract class RegisterTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : StrongroomApp
{
    protected TApp App => app;

    [Fact]
    public async Task Registering_returns_the_customer_without_secrets()
    {
        var client = app.CreateClient();
        var email = $"Ada.{Guid.NewGuid():N}@Example.test";

        var response = await client.PostJsonAsync("/v1/auth/register", new { email, password = "correct horse battery", fullName = "Ada Lovelace" });

        var user = await response.AssertJsonAsync(HttpStatusCode.Created);
        Assert.StartsWith("usr_", user.GetProperty("id").GetString());
        Assert.Equal(email.ToLowerInvariant(), user.GetProperty("email").GetString());
        Assert.Equal("Ada Lovelace", user.GetProperty("fullName").GetString());
        Assert.Equal(["email", "fullName", "id"], user.EnumerateObject().Select(p => p.Name).Order());
    }

    [Fact]
    public async Task A_registered_user_is_a_customer()
    {
        var user = await app.RegisterAndSignInAsync();

        var payload = Jwt.Payload(user.Token);
        Assert.Equal("customer", payload.GetProperty("role").GetString());
        Assert.Equal(user.UserId, payload.GetProperty("sub").GetString());
    }

    [Fact]
    public async Task The_same_email_twice_is_a_conflict_whatever_its_case()
    {
        var client = app.CreateClient();
        var email = $"twice-{Guid.NewGuid():N}@example.test";
        (await client.PostJsonAsync("/v1/auth/register", new { email, password = "correct horse battery", fullName = "First" }))
            .EnsureSuccessStatusCode();

        var again = await client.PostJsonAsync("/v1/auth/register", new { email = email.ToUpperInvariant(), password = "another password", fullName = "Second" });

        await again.AssertProblemAsync(HttpStatusCode.Conflict, "email_taken");
    }

    [Theory]
    [InlineData(7)]
    [InlineData(129)]
    public async Task A_password_outside_8_to_128_characters_is_refused(int length)
    {
        var response = await app.CreateClient().PostJsonAsync("/v1/auth/register",
            new { email = $"len-{Guid.NewGuid():N}@example.test", password = new string('p', length), fullName = "Short" });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("password", out _));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(128)]
    public async Task A_password_of_8_or_128_characters_is_accepted_and_works(int length)
    {
        var password = new string('p', length);
        var email = $"len-{Guid.NewGuid():N}@example.test";
        var registered = await app.CreateClient().PostJsonAsync("/v1/auth/register", new { email, password, fullName = "Edge" });
        await registered.AssertJsonAsync(HttpStatusCode.Created);

        var signedIn = await app.SignInAsync(email, password, userId: null);

        Assert.False(string.IsNullOrEmpty(signedIn.Token));
    }

    [Theory]
    [InlineData("football")]
    [InlineData("QwertyUIOP")]
    public async Task A_common_password_is_refused_whatever_its_case(string password)
    {
        var response = await app.CreateClient().PostJsonAsync("/v1/auth/register",
            new { email = $"common-{Guid.NewGuid():N}@example.test", password, fullName = "Common" });

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "password_too_common");
    }

    [Fact]
    public async Task An_invalid_email_is_a_validation_error()
    {
        var response = await app.CreateClient().PostJsonAsync("/v1/auth/register", new { email = "not-an-email", password = "correct horse battery", fullName = "X" });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("email", out _));
    }

    [Fact]
    public async Task Asking_for_a_role_at_registration_is_refused()
    {
        var response = await app.CreateClient().PostJsonAsync("/v1/auth/register",
            new { email = $"sneaky-{Guid.NewGuid():N}@example.test", password = "correct horse battery", fullName = "Mallory", role = "admin" });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
        Assert.Contains("role", problem.GetProperty("detail").GetString());
    }
}

public sealed class RegisterOnSqlite(SqliteApp app) : RegisterTests<SqliteApp>(app)
{
    [Fact]
    public async Task A_hash_made_with_older_parameters_is_upgraded_at_the_next_sign_in()
    {
        const string password = "correct horse battery";
        var user = await App.RegisterAndSignInAsync(password: password);
        // As if the account predated today's parameters.
        await ExecuteAsync("UPDATE users SET password_hash = $hash WHERE id = $id", ("$hash", Strongroom.Infrastructure.Security.PasswordHashing.Hash(password, 100_000)), ("$id", user.UserId));
        Assert.StartsWith("pbkdf2-sha512$100000$", await StoredHashAsync(user.UserId));

        await App.SignInAsync(user.Email, password, user.UserId);

        Assert.StartsWith("pbkdf2-sha512$210000$", await StoredHashAsync(user.UserId));
        await App.SignInAsync(user.Email, password, user.UserId);
    }

    private async Task<string> StoredHashAsync(string userId) =>
        (string)(await ExecuteAsync("SELECT password_hash FROM users WHERE id = $id", ("$id", userId)))!;

    private async Task<object?> ExecuteAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new SqliteConnection($"Data Source={App.DatabasePath}");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return await command.ExecuteScalarAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Passwords_are_stored_as_salted_PBKDF2_SHA512_hashes()
    {
        const string password = "correct horse battery";
        var first = await App.RegisterAndSignInAsync(password: password);
        var second = await App.RegisterAndSignInAsync(password: password);

        await using var connection = new SqliteConnection($"Data Source={App.DatabasePath};Mode=ReadOnly");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        var hashes = new List<string>();
        foreach (var id in new[] { first.UserId, second.UserId })
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT password_hash FROM users WHERE id = $id";
            command.Parameters.AddWithValue("$id", id);
            hashes.Add((string)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!);
        }

        Assert.All(hashes, hash =>
        {
            var parts = hash.Split('$');
            Assert.Equal("pbkdf2-sha512", parts[0]);
            Assert.True(int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) >= 210_000);
            Assert.DoesNotContain(password, hash);
        });
        // Same password, different salt: the stored hashes differ.
        Assert.NotEqual(hashes[0], hashes[1]);
    }
}

[Trait("Category", "SqlServer")]
public sealed class RegisterOnSqlServer(SqlServerApp app) : RegisterTests<SqlServerApp>(app);
