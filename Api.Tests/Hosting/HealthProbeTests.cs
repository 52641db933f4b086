using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Hosting;

/// <summary><c>strongroom probe</c>, the container health check of an image without a shell: exit 0 when ready, 1 when not.</summary>
[Trait("Category", "External")]
public sealed class HealthProbeTests
{
    [Fact]
    public async Task Probe_exits_0_for_a_ready_instance_and_1_for_one_that_does_not_answer()
    {
        var secrets = AppSecrets.Create();
        await using var service = await ServiceProcess.StartAsync(new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Auth__SigningKey"] = Convert.ToBase64String(secrets.SigningKey),
            ["Cluster__Enabled"] = "false",
        });

        var ready = await ExternalProcess.RunAsync(ServiceProcess.App, ["probe", $"{service.Address}health/ready"], service.Directory, TimeSpan.FromSeconds(30));
        Assert.True(ready.ExitCode == 0, ready.Output);

        await service.TerminateAsync();
        await service.WaitForExitAsync(TimeSpan.FromSeconds(30));
        var gone = await ExternalProcess.RunAsync(ServiceProcess.App, ["probe", $"{service.Address}health/ready"], service.Directory, TimeSpan.FromSeconds(30));
        Assert.Equal(1, gone.ExitCode);
    }
}
