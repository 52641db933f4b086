using System.ComponentModel.DataAnnotations;

namespace Strongroom.Infrastructure.Money;

/// <summary>Validates an upper-case ISO 4217 code that <see cref="Currencies"/> supports.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter | AttributeTargets.Field)]
public sealed class Iso4217Attribute : ValidationAttribute
{
    public Iso4217Attribute()
        : base("The {0} field must be an upper-case ISO 4217 currency code, such as EUR.")
    {
    }

    public override bool IsValid(object? value) => value is null || Currencies.IsSupported(value as string);
}
