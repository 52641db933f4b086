namespace Strongroom.Features.Vocabulary;

/// <summary>Amounts are minor units; the ceiling keeps every balance far from 64-bit overflow.</summary>
public static class Amounts
{
    public const double Max = 1e15;
}
