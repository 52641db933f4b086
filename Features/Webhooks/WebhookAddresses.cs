using System.Net;
using System.Net.Sockets;

namespace Strongroom.Features.Webhooks;

/// <summary>
/// Which addresses a webhook may be sent to: never a cloud metadata address, and, unless
/// <c>Webhooks:AllowPrivateNetworks</c>, nothing on the service's own side of the network
/// (loopback, RFC 1918, CGNAT, link-local, unique-local, unspecified, multicast). Checked when an
/// endpoint is registered and again when each connection is made, since DNS can change.
/// </summary>
public static class WebhookAddresses
{
    public const int MaxUrlLength = 2000;

    private static readonly IPAddress AwsIpv6Metadata = IPAddress.Parse("fd00:ec2::254");
    private static readonly IPAddress Ipv4Metadata = IPAddress.Parse("169.254.169.254");

    private static readonly string[] MetadataHosts = ["metadata.google.internal", "metadata.goog", "metadata"];

    /// <summary>True when a connection to <paramref name="address"/> must be refused.</summary>
    public static bool IsRefused(IPAddress address, bool allowPrivateNetworks)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.Equals(Ipv4Metadata) || address.Equals(AwsIpv6Metadata))
        {
            return true;
        }

        return !allowPrivateNetworks && IsInternal(address);
    }

    /// <summary>True for a host name that names a cloud metadata service, whatever it resolves to.</summary>
    public static bool IsMetadataHost(string host) =>
        MetadataHosts.Contains(host.TrimEnd('.'), StringComparer.OrdinalIgnoreCase);

    private static bool IsInternal(IPAddress address)
    {
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast))
        {
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] == 0                                  // 0.0.0.0/8, "this network"
                || b[0] == 10                                 // 10/8
                || (b[0] == 100 && (b[1] & 0xC0) == 64)       // 100.64/10, CGNAT
                || b[0] == 127                                // 127/8
                || (b[0] == 169 && b[1] == 254)               // 169.254/16, link-local
                || (b[0] == 172 && (b[1] & 0xF0) == 16)       // 172.16/12
                || (b[0] == 192 && b[1] == 168)               // 192.168/16
                || b[0] >= 224;                               // multicast and reserved
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var b = address.GetAddressBytes();
            return address.IsIPv6LinkLocal                    // fe80::/10
                || address.IsIPv6SiteLocal
                || (b[0] & 0xFE) == 0xFC                      // fc00::/7, unique-local
                || b[0] == 0xFF;                              // multicast
        }

        return true;
    }

    /// <summary>
    /// Why <paramref name="url"/> may not be registered, or null when it may: absolute, https
    /// (http too where allowed: Development, or <c>Webhooks:AllowHttp</c>), no user info, and a host that neither is nor resolves to a
    /// refused address.
    /// </summary>
    public static async Task<string?> RefusalAsync(string url, bool allowHttp, bool allowPrivateNetworks, CancellationToken cancellationToken)
    {
        if (url.Length > MaxUrlLength || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return $"url must be an absolute URL of at most {MaxUrlLength} characters.";
        }

        if (!(uri.Scheme == Uri.UriSchemeHttps || (allowHttp && uri.Scheme == Uri.UriSchemeHttp)))
        {
            return allowHttp ? "url must be http or https." : "url must be https.";
        }

        if (!string.IsNullOrEmpty(uri.UserInfo) || !string.IsNullOrEmpty(uri.Fragment))
        {
            return "url must not carry user information or a fragment.";
        }

        var host = uri.IdnHost;
        if (IsMetadataHost(host))
        {
            return "url names a cloud metadata service.";
        }

        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal))
        {
            return IsRefused(literal, allowPrivateNetworks) ? "url points at an address this service does not send to." : null;
        }

        if (allowPrivateNetworks)
        {
            // Nothing left to refuse but metadata, which is checked again when connecting.
            return null;
        }

        IPAddress[] addresses;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            addresses = await Dns.GetHostAddressesAsync(host, timeout.Token);
        }
        catch (Exception exception) when (exception is SocketException or OperationCanceledException or ArgumentException && !cancellationToken.IsCancellationRequested)
        {
            return "url's host does not resolve.";
        }

        return addresses.Length == 0 || addresses.Any(address => IsRefused(address, allowPrivateNetworks))
            ? "url's host resolves to an address this service does not send to."
            : null;
    }
}
