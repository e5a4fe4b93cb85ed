"""factory_boy factories for the customer file. ``valid_uscc`` makes checksum-valid codes."""

import factory
from stdnum.cn import uscc

from kam.customers.models import Contact, Customer

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def valid_uscc(n: int) -> str:
    """A checksum-valid unified social credit code, distinct for each ``n``."""
    body = "9131"
    body += f"{n // 1_000_000_0 % 10000 if n >= 10_000_000 else 0:04d}"
    digits = []
    m = n
    for _i in range(9):
        digits.append(_ALPHABET[m % 31])
        m //= 31
    code17 = ("91310000" + "".join(reversed(digits)))[:17]
    return code17 + uscc.calc_check_digit(code17)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    code = factory.Sequence(lambda n: f"KT{n:07d}")
    name = factory.Sequence(lambda n: f"测试客户{n}号有限公司")
    credit_code = factory.Sequence(lambda n: valid_uscc(n + 1))
    province = "上海市"
    nature = "private"
    industry_position = "medium"
    credit_rating = "A"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"联系人{n}")
    phone = factory.Sequence(lambda n: f"139 {n // 10000 % 10000:04d} {n % 10000:04d}")
