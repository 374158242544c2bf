"""Demo extracts: realistic source files with an exactly-known set of defects.

``write_social_insurance_extract`` writes what a municipal social-insurance bureau really sends: a
GBK-encoded CSV with Chinese headers, months in mixed formats, amounts with thousands
separators, and a few citizen IDs with a lowercase ``x`` or full-width digits. Standardisation
fixes those, so they are not defects. With ``defects=True`` it also injects a small set of real
defects and lists them in the :class:`SampleManifest` by data-row number and the rule code the
quality step should report, so tests and the demo can check the pipeline catches exactly them.

``write_household_extract`` (公安局 户籍人口基本信息) and ``write_enterprise_extract`` (市场监管局
企业登记信息) do the same for the other two contracts. Their quirks, fixed by standardisation:
sex as 男/女 or codes, ethnicity as names (汉族) or codes, dates as 1985年3月7日, 1985/3/7,
19850307 or Excel serial day numbers, mobiles with +86 and hyphens, lowercase USCCs, amounts with
thousands separators or ￥. Their defects are listed in ``HOUSEHOLD_DEFECT_RULES`` and
``ENTERPRISE_DEFECT_RULES``.

Everything is drawn from one seeded ``random.Random`` and a seeded Faker, so the same arguments
always give the same bytes.
"""

from lakehouse.samples.extract import SampleManifest
from lakehouse.samples.registers import (
    ENTERPRISE_DEFECT_RULES,
    HOUSEHOLD_DEFECT_RULES,
    write_enterprise_extract,
    write_household_extract,
)
from lakehouse.samples.social_insurance import DEFECT_RULES, write_social_insurance_extract

__all__ = [
    "DEFECT_RULES",
    "ENTERPRISE_DEFECT_RULES",
    "HOUSEHOLD_DEFECT_RULES",
    "SampleManifest",
    "write_enterprise_extract",
    "write_household_extract",
    "write_social_insurance_extract",
]
