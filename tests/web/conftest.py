from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

# A fixed "now": Monday 3 June 2030, 10:00 in Seoul. Slots at 18:00 that day and later are bookable.
NOW = datetime(2030, 6, 3, 10, 0, tzinfo=ZoneInfo("Asia/Seoul"))


@pytest.fixture
def frozen_now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller
