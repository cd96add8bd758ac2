#!/bin/sh
/usr/bin/vfio-test-report
